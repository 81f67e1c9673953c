#!/usr/bin/python3
"""Trains kjv-gpt, Mesh's small built-in decoder, and exports it in the Hugging Face Optimum layout.

Everything comes from Debian packages: the text is the King James Version of the Bible (public
domain) as Debian's `bible-kjv` prints it, the trainer is `python3-torch` and the export
`python3-onnx`. Run it from this folder (it writes model.onnx, vocab.json and merges.txt here):

    apt-get install -y bible-kjv python3-torch python3-onnx libopenblas0-pthread
    nice -n 19 /usr/bin/python3 train.py --minutes 60

(Without OpenBLAS, Debian's torch multiplies matrices with the reference BLAS, ten times slower.)

The run is deterministic for a given seed and number of steps; on a busy two-core machine it
stops at the time limit and exports what it has learned by then. The model is a GPT-2-style
decoder (learned positions, pre-norm blocks, tied embeddings) with a byte-level BPE tokenizer
trained here on the same text (GPT-2's vocab.json / merges.txt format).
"""
import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys
import time

# One thread: the machine is shared. Set before torch loads OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
END_OF_TEXT = "<|endoftext|>"
# GPT-2's pre-tokenizer, written for Python's re (letters: [^\W\d_], digits: \d).
PRETOKEN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def read_text(path):
    """The KJV as paragraphs: the verses of a chapter joined, chapters on lines of their own."""
    if path:
        raw = open(path, encoding="utf-8").read()
    else:
        raw = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True, text=True).stdout
    chapters, current, last = [], [], None
    for line in raw.splitlines():
        m = re.match(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.*)$", line)
        if not m:
            continue
        chapter = (m.group(1), m.group(2))
        if chapter != last and current:
            chapters.append(" ".join(current))
            current = []
        last = chapter
        current.append(m.group(4).strip())
    if current:
        chapters.append(" ".join(current))
    return "\n".join(chapters) + "\n"


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def train_bpe(text, vocab_size):
    """Byte-level BPE: 256 byte tokens, then the most frequent adjacent pairs merged, then <|endoftext|>."""
    b2u = bytes_to_unicode()
    words = collections.Counter(PRETOKEN.findall(text))
    seqs = {w: [b2u[b] for b in w.encode("utf-8")] for w in words}
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for w, s in seqs.items():
        for a, b in zip(s, s[1:]):
            pairs[(a, b)] += words[w]
            where[(a, b)].add(w)
    merges = []
    while 256 + len(merges) < vocab_size - 1 and pairs:
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pairs[best] < 2:
            break
        merges.append(best)
        joined = best[0] + best[1]
        for w in list(where[best]):
            s, count = seqs[w], words[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] -= count
                if pairs[(a, b)] <= 0:
                    del pairs[(a, b)]
                where[(a, b)].discard(w)
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == best[0] and s[i + 1] == best[1]:
                    out.append(joined)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
            for a, b in zip(out, out[1:]):
                pairs[(a, b)] += count
                where[(a, b)].add(w)
        where.pop(best, None)
    vocab = {b2u[b]: i for i, b in enumerate(sorted(b2u))}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    vocab[END_OF_TEXT] = len(vocab)
    return vocab, merges


class Encoder:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.b2u = bytes_to_unicode()
        self.cache = {}

    def word(self, w):
        if w in self.cache:
            return self.cache[w]
        s = [self.b2u[b] for b in w.encode("utf-8")]
        while len(s) > 1:
            ranked = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(s, s[1:]))]
            rank, i = min(ranked)
            if rank == 1 << 30:
                break
            s = s[:i] + [s[i] + s[i + 1]] + s[i + 2:]
        ids = [self.vocab[t] for t in s]
        self.cache[w] = ids
        return ids

    def encode(self, text):
        return [i for w in PRETOKEN.findall(text) for i in self.word(w)]

    def decode(self, ids):
        u2b = {v: k for k, v in self.b2u.items()}
        inverse = {v: k for k, v in self.vocab.items()}
        return bytes(u2b[c] for i in ids for c in inverse[i] if i != self.vocab[END_OF_TEXT]).decode("utf-8", errors="replace")


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.head = heads, width // heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.up, self.down = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x, bias, past_k, past_v):
        b, t, w = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(w, dim=2)
        q, k, v = (z.view(b, t, self.heads, self.head).transpose(1, 2) for z in (q, k, v))
        k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head) + bias
        y = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, t, w)
        x = x + self.proj(y)
        x = x + self.down(F.gelu(self.up(self.ln2(x))))
        return x, k, v


class Decoder(nn.Module):
    """GPT-2-style decoder whose forward is the Optimum decoder-with-past signature."""

    def __init__(self, vocab, context, width, layers, heads):
        super().__init__()
        self.context, self.heads, self.head = context, heads, width // heads
        self.tokens, self.positions = nn.Embedding(vocab, width), nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(width)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        t, p = input_ids.shape[1], past[0].shape[2]
        # New token i sits at index p + i of the keys: it sees every unmasked past key and new keys up to itself.
        keys = torch.arange(p + t, device=input_ids.device)
        causal = keys.unsqueeze(0) <= (keys[p:].unsqueeze(1))
        allowed = causal.unsqueeze(0).unsqueeze(0) & (attention_mask[:, None, None, :] > 0)
        bias = torch.zeros(allowed.shape, dtype=torch.float32).masked_fill(~allowed, -1e9)
        x = self.tokens(input_ids) + self.positions(position_ids)
        present = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, bias, past[2 * i], past[2 * i + 1])
            present += [k, v]
        logits = self.ln(x) @ self.tokens.weight.t()
        return (logits, *present)

    def loss(self, batch):
        b, t = batch.shape[0], batch.shape[1] - 1
        empty = [torch.zeros(b, self.heads, 0, self.head)] * (2 * len(self.blocks))
        mask = torch.ones(b, t, dtype=torch.long)
        positions = torch.arange(t).unsqueeze(0).expand(b, t)
        logits = self.forward(batch[:, :-1], mask, positions, *empty)[0]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))


@torch.no_grad()
def sample(model, enc, prompt, steps, temperature=0.8, seed=7):
    g = torch.Generator().manual_seed(seed)
    ids = enc.encode(prompt)
    for _ in range(steps):
        window = torch.tensor([ids[-model.context:]])
        t = window.shape[1]
        empty = [torch.zeros(1, model.heads, 0, model.head)] * (2 * len(model.blocks))
        logits = model(window, torch.ones(1, t, dtype=torch.long), torch.arange(t).unsqueeze(0), *empty)[0][0, -1]
        ids.append(int(torch.multinomial((logits / temperature).softmax(-1), 1, generator=g)))
    return enc.decode(ids)


def export(model, path, layers):
    model.eval()
    b, t, p = 1, 2, 3
    past = [torch.zeros(b, model.heads, p, model.head) for _ in range(2 * layers)]
    names_in = ["input_ids", "attention_mask", "position_ids"] + [f"past_key_values.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    names_out = ["logits"] + [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total"}, "position_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    for i in range(layers):
        for kv in ("key", "value"):
            axes[f"past_key_values.{i}.{kv}"] = {0: "batch", 2: "past"}
            axes[f"present.{i}.{kv}"] = {0: "batch", 2: "total"}
    args = (torch.tensor([[464, 318]]), torch.ones(b, p + t, dtype=torch.long), torch.tensor([[p, p + 1]]), *past)
    torch.onnx.export(model, args, path, input_names=names_in, output_names=names_out, dynamic_axes=axes, opset_version=14, do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(path))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--text", help="a file in `bible -f` format instead of running bible")
    ap.add_argument("--minutes", type=float, default=60, help="stop training after this long and export")
    ap.add_argument("--max-steps", type=int, default=6000)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=20261101)
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    started = time.time()

    text = read_text(a.text)
    vocab, merges = train_bpe(text, a.vocab)
    enc = Encoder(vocab, merges)
    with open(os.path.join(a.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(a.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{x} {y}\n" for x, y in merges))
    eot = vocab[END_OF_TEXT]
    data = torch.tensor(enc.encode(text), dtype=torch.long)
    print(f"text {len(text)} chars, {len(data)} tokens, vocab {len(vocab)}, bpe {time.time() - started:.0f} s", flush=True)

    model = Decoder(len(vocab), a.context, a.width, a.layers, a.heads)
    params = sum(p.numel() for p in model.parameters())
    print(f"model {params / 1e6:.2f} M parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.1)
    train_started = time.time()
    deadline = train_started + a.minutes * 60
    warmup = 100
    step, smooth = 0, None
    while step < a.max_steps and time.time() < deadline:
        # The rate falls on a cosine over the steps the time limit is expected to allow.
        elapsed = max(1e-9, time.time() - train_started)
        expected = min(a.max_steps, max(step + 1, int(step * (a.minutes * 60) / elapsed))) if step > 20 else a.max_steps
        lr = a.lr * min(1, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1, step / expected))))
        for group in opt.param_groups:
            group["lr"] = lr
        starts = torch.randint(0, len(data) - a.context - 1, (a.batch,))
        batch = torch.stack([data[s:s + a.context + 1] for s in starts])
        loss = model.loss(batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        smooth = loss.item() if smooth is None else 0.98 * smooth + 0.02 * loss.item()
        step += 1
        if step % 50 == 0:
            print(f"step {step} loss {smooth:.3f} lr {lr:.2e} {time.time() - started:.0f} s", flush=True)
    print(f"trained {step} steps ({step * a.batch * a.context} tokens), loss {smooth or 0:.3f}", flush=True)
    print("sample:", sample(model, enc, "And the king said", 40), flush=True)
    export(model, os.path.join(a.out, "model.onnx"), a.layers)
    with open(os.path.join(a.out, "training.json"), "w") as f:
        json.dump({"steps": step, "tokens_seen": step * a.batch * a.context, "loss": round(smooth or 0, 3), "parameters": params,
                   "vocab": len(vocab), "end_of_text": eot, "context": a.context, "width": a.width, "layers": a.layers, "heads": a.heads,
                   "seed": a.seed, "minutes": round((time.time() - started) / 60, 1), "torch": torch.__version__}, f, indent=2)
    print(f"exported in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
