using System.Buffers;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace Mesh.Inference.Generation;

/// <summary>
/// Receives the next-token logits of row <paramref name="row"/> of a step (valid only during the
/// call). Rows of one step may be handed over on several threads at once, so a handler touches
/// only its own row's state.
/// </summary>
public delegate void LogitsHandler(int row, ReadOnlySpan<float> logits);

/// <summary>One sequence's part of a decoder step: its cache and the tokens to feed.</summary>
public readonly record struct DecoderRow(IKvSequence Cache, int[] Tokens);

/// <summary>
/// A causal language model on ONNX Runtime. <see cref="Forward(IReadOnlyList{DecoderRow}, LogitsHandler)"/> runs one step for many
/// sequences of different lengths at once: each sequence's past is copied into a shared
/// [batch, heads, longest past, head size] tensor and its new tokens into [batch, longest new],
/// and the attention mask marks the padding in both, so every sequence gets the logits it would
/// get alone. The new keys and values are appended to each sequence's own cache.
/// </summary>
public sealed class DecoderModel : IDisposable
{
    /// <summary>The fewest rows a step hands over in parallel; below it a thread's wake-up costs more than it saves.</summary>
    public const int ParallelPickRows = 4;

    private readonly InferenceSession _session;

    public DecoderModel(ModelDescriptor descriptor, LoadedSession loaded, Tokenizer tokenizer, int endOfText)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(loaded);
        Signature = DecoderSignature.Discover(descriptor.Name, loaded.Session);
        Descriptor = descriptor;
        Device = loaded.Device;
        Tokenizer = tokenizer;
        EndOfText = endOfText;
        _session = loaded.Session;
        SessionBytes = loaded.WeightsBytes;
    }

    public ModelDescriptor Descriptor { get; }

    public DecoderSignature Signature { get; }

    public string Device { get; }

    public Tokenizer Tokenizer { get; }

    /// <summary>The end-of-text token id.</summary>
    public int EndOfText { get; }

    public long SessionBytes { get; }

    /// <summary>The context: prompt plus generated tokens.</summary>
    public int MaxContext => Descriptor.MaxInputTokens;

    public KvCache NewCache(int capacity) => new(Signature.Layers, Signature.Heads, Signature.HeadSize, capacity);

    /// <summary>Runs one step and returns the next-token logits of each row (after its last new token).</summary>
    public float[][] Forward(IReadOnlyList<DecoderRow> rows)
    {
        var result = new float[rows.Count][];
        Forward(rows, (row, logits) => result[row] = logits.ToArray());
        return result;
    }

    /// <summary>
    /// Runs one step and hands each row's next-token logits to <paramref name="onLogits"/> straight
    /// from the output tensor: no per-step copies of vocabulary-sized arrays. Input buffers are pooled.
    /// Steps of <see cref="ParallelPickRows"/> rows or more hand their rows over on every core.
    /// </summary>
    public void Forward(IReadOnlyList<DecoderRow> rows, LogitsHandler onLogits)
    {
        ArgumentNullException.ThrowIfNull(onLogits);
        ArgumentNullException.ThrowIfNull(rows);
        var (batch, news, past) = (rows.Count, rows.Max(r => r.Tokens.Length), rows.Max(r => r.Cache.Length));
        var (heads, headSize, layers) = (Signature.Heads, Signature.HeadSize, Signature.Layers);
        var total = past + news;
        var longs = ArrayPool<long>.Shared;
        var floats = ArrayPool<float>.Shared;
        var ids = longs.Rent(batch * news);
        var positions = longs.Rent(batch * news);
        var mask = longs.Rent(batch * total);
        Array.Clear(mask, 0, batch * total);
        var rented = new List<float[]>(2 * layers);
        for (var b = 0; b < batch; b++)
        {
            var (length, tokens) = (rows[b].Cache.Length, rows[b].Tokens);
            for (var j = 0; j < news; j++)
            {
                var real = j < tokens.Length;
                ids[(b * news) + j] = tokens[real ? j : tokens.Length - 1];
                positions[(b * news) + j] = length + (real ? j : tokens.Length - 1);
                mask[(b * total) + past + j] = real ? 1 : 0;
            }

            mask.AsSpan(b * total, length).Fill(1);
        }

        var values = new List<OrtValue>(3 + (2 * layers));
        try
        {
            values.Add(Tensor(ids, batch * news, [batch, news]));
            values.Add(Tensor(mask, batch * total, [batch, total]));
            if (Signature.HasPositionIds)
            {
                values.Add(Tensor(positions, batch * news, [batch, news]));
            }

            var block = heads * past * headSize;
            for (var l = 0; l < layers; l++)
            {
                for (var kv = 0; kv < 2; kv++)
                {
                    var data = floats.Rent(Math.Max(1, batch * block));
                    rented.Add(data);
                    for (var b = 0; b < batch; b++)
                    {
                        rows[b].Cache.CopyPast(l, kv, data.AsSpan(b * block, block), past);
                    }

                    values.Add(Tensor(data, batch * block, [batch, heads, past, headSize]));
                }
            }

            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, Signature.InputNames, values, Signature.OutputNames);
            Collect(rows, outputs, news, past, onLogits);
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }

            longs.Return(ids);
            longs.Return(positions);
            longs.Return(mask);
            rented.ForEach(r => floats.Return(r));
        }
    }

    public void Dispose() => _session.Dispose();

    private static OrtValue Tensor<T>(T[] buffer, int length, long[] shape)
        where T : unmanaged =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<T>(buffer, 0, length), shape);

    private void Collect(IReadOnlyList<DecoderRow> rows, IReadOnlyList<OrtValue> outputs, int news, int past, LogitsHandler onLogits)
    {
        var output = outputs[0];
        var vocabulary = output.GetTensorDataAsSpan<float>().Length / (rows.Count * news);
        void Pick(int b) =>
            onLogits(b, output.GetTensorDataAsSpan<float>().Slice(((b * news) + rows[b].Tokens.Length - 1) * vocabulary, vocabulary));

        if (rows.Count >= ParallelPickRows && Environment.ProcessorCount > 1)
        {
            // Each row's pick reads its own vocabulary-sized logits (200 KB for GPT-2's), bound by a
            // core's memory bandwidth, while the cores ONNX Runtime used for the step are idle.
            Parallel.For(0, rows.Count, Pick);
        }
        else
        {
            for (var b = 0; b < rows.Count; b++)
            {
                Pick(b);
            }
        }

        var total = past + news;
        var block = Signature.Heads * total * Signature.HeadSize;
        for (var l = 0; l < Signature.Layers; l++)
        {
            for (var kv = 0; kv < 2; kv++)
            {
                var present = outputs[1 + (2 * l) + kv].GetTensorDataAsSpan<float>();
                for (var b = 0; b < rows.Count; b++)
                {
                    rows[b].Cache.Append(l, kv, present.Slice(b * block, block), total, past, rows[b].Tokens.Length);
                }
            }
        }

        foreach (var row in rows)
        {
            row.Cache.Advance(row.Tokens);
        }
    }
}
