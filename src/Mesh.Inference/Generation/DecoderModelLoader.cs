using Mesh.Inference.Devices;
using Mesh.Inference.KvBlocks;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace Mesh.Inference.Generation;

/// <summary>
/// Loads a causal LM on a device: its ONNX graph (tiny-gpt is written from its seed first, kjv-gpt
/// copied from beside the binaries), its tokenizer (GPT-2's, or BPE files of its own), a warm-up
/// step, its key-value block pool (the model's budget in blocks) and its engine.
/// </summary>
public sealed partial class DecoderModelLoader(
    IOptions<InferenceOptions> options,
    IOptions<SchedulingOptions> scheduling,
    OnnxSessionFactory sessions,
    TimeProvider time,
    ILogger<DecoderModelLoader> logger)
{
    private static readonly Lazy<Tokenizer> Gpt2 = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    /// <summary>The GPT-2 byte-level BPE tokenizer (50,257 tokens; 50256 is end-of-text).</summary>
    public static Tokenizer Gpt2Tokenizer => Gpt2.Value;

    public const int Gpt2EndOfText = 50256;

    public ServedDecoderModel Load(ModelDescriptor descriptor, ComputeDevice device, long reservedBytes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var started = time.GetTimestamp();
        var graph = ModelFiles.ReadGraph(descriptor, options.Value.ResolvedModelRoot);
        var (tokenizer, endOfText) = TokenizerOf(descriptor);
        var loaded = sessions.Create(descriptor, graph, device, reservedBytes);
        DecoderModel model;
        try
        {
            model = new DecoderModel(descriptor, loaded, tokenizer, endOfText);
            // Warm-up: a prefill and a decode step, so the first caller pays for neither.
            var warm = tokenizer.EncodeToIds("The mesh is");
            var cache = model.NewCache(warm.Count + 1);
            model.Forward([new DecoderRow(cache, [.. warm])]);
            model.Forward([new DecoderRow(cache, [warm[0]])]);
        }
        catch
        {
            loaded.Session.Dispose();
            throw;
        }

        KvBlockManager blocks;
        try
        {
            blocks = BlockManager(descriptor, model.Signature);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        var memory = loaded.Measure(blocks.Pool.BudgetBytes);
        var engine = new GenerationEngine(model, blocks, loaded.Placed.Scheduler, scheduling.Value, time);
        engine.Start();
        var elapsedMs = time.GetElapsedTime(started).TotalMilliseconds;
        LogLoaded(logger, descriptor.Name, descriptor.Version, model.Device, model.Signature.Layers, model.Signature.Heads, model.Signature.HeadSize, blocks.TotalBlocks, descriptor.KvBlockTokens, elapsedMs);
        return new ServedDecoderModel(model, engine, memory);
    }

    /// <summary>
    /// The replica's key-value pool: the model's budget (a full batch at the full context unless
    /// kvCacheMiB says otherwise) in blocks of kvBlockTokens positions; it must hold one sequence at the full context.
    /// </summary>
    public static KvBlockManager BlockManager(ModelDescriptor descriptor, DecoderSignature signature)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(signature);
        var layout = new KvLayout(signature.Layers, signature.Heads, signature.HeadSize, descriptor.KvBlockTokens);
        var budget = descriptor.KvCacheBytes > 0 ? descriptor.KvCacheBytes : signature.BytesPerToken * descriptor.MaxBatch * descriptor.MaxInputTokens;
        var blocks = budget / layout.BlockBytes;
        var needed = layout.BlocksFor(descriptor.MaxInputTokens);
        if (blocks < needed)
        {
            throw new InvalidDataException(
                $"model '{descriptor.Name}': a key-value budget of {budget >> 10} KiB holds {blocks} blocks of {layout.BlockTokens} positions, but one sequence at the full context of {descriptor.MaxInputTokens} needs {needed} ({needed * layout.BlockBytes >> 10} KiB); raise kvCacheMiB");
        }

        return new KvBlockManager(new KvBlockPool(layout, (int)Math.Min(blocks, int.MaxValue)), descriptor.PrefixCaching);
    }

    /// <summary>
    /// The model's tokenizer: <c>gpt2</c> (built in), or <c>bpe</c>: GPT-2-style byte-level BPE files of
    /// its own (vocab.json, merges.txt) in its folder, with <c>&lt;|endoftext|&gt;</c> as the end of text.
    /// </summary>
    private (Tokenizer Tokenizer, int EndOfText) TokenizerOf(ModelDescriptor descriptor)
    {
        if (descriptor.Tokenizer.Equals("gpt2", StringComparison.OrdinalIgnoreCase))
        {
            return (Gpt2Tokenizer, Gpt2EndOfText);
        }

        if (!descriptor.Tokenizer.Equals("bpe", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"model '{descriptor.Name}' asks for tokenizer '{descriptor.Tokenizer}'; this server has gpt2 and bpe (vocab.json + merges.txt in the model's folder)");
        }

        var folder = Path.Combine(options.Value.ResolvedModelRoot, descriptor.Name);
        var vocabularyPath = Path.Combine(folder, "vocab.json");
        using var ids = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(vocabularyPath));
        var endOfText = ids.RootElement.TryGetProperty(EndOfTextToken, out var id) ? id.GetInt32()
            : throw new InvalidDataException($"model '{descriptor.Name}': {vocabularyPath} has no {EndOfTextToken} token");
        using var vocabulary = File.OpenRead(vocabularyPath);
        using var merges = File.OpenRead(Path.Combine(folder, "merges.txt"));
        return (CodeGenTokenizer.Create(vocabulary, merges, addPrefixSpace: false, addBeginOfSentence: false, addEndOfSentence: false), endOfText);
    }

    public const string EndOfTextToken = "<|endoftext|>";

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Decoder {Model} {Version} loaded on {Device} ({Layers} layers, {Heads} heads of {HeadSize}; {Blocks} key-value blocks of {BlockTokens}) in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string model, string version, string device, int layers, int heads, int headSize, int blocks, int blockTokens, double elapsedMs);
}
