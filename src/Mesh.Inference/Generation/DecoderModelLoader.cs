using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace Mesh.Inference.Generation;

/// <summary>
/// Loads a causal LM: its ONNX graph (tiny-gpt is written from its seed first), the GPT-2
/// tokenizer, a warm-up step, its key-value cache budget on the device, and its engine.
/// </summary>
public sealed partial class DecoderModelLoader(
    IOptions<InferenceOptions> options,
    IOptions<SchedulingOptions> scheduling,
    OnnxSessionFactory sessions,
    DevicePool devices,
    TimeProvider time,
    ILogger<DecoderModelLoader> logger)
{
    private static readonly Lazy<Tokenizer> Gpt2 = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    /// <summary>The GPT-2 byte-level BPE tokenizer (50,257 tokens; 50256 is end-of-text).</summary>
    public static Tokenizer Gpt2Tokenizer => Gpt2.Value;

    public const int Gpt2EndOfText = 50256;

    public ServedDecoderModel Load(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (!descriptor.Tokenizer.Equals("gpt2", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"model '{descriptor.Name}' asks for tokenizer '{descriptor.Tokenizer}'; this server has gpt2");
        }

        var started = time.GetTimestamp();
        var loaded = sessions.Create(descriptor, ModelFiles.ReadGraph(descriptor, options.Value.ResolvedModelRoot));
        DecoderModel model;
        try
        {
            model = new DecoderModel(descriptor, loaded, Gpt2Tokenizer, Gpt2EndOfText);
            // Warm-up: a prefill and a decode step, so the first caller pays for neither.
            var cache = model.NewCache(4);
            model.Forward([new DecoderRow(cache, [464, 3290])]);
            model.Forward([new DecoderRow(cache, [318])]);
        }
        catch
        {
            loaded.Session.Dispose();
            devices.Release(descriptor.Name);
            throw;
        }

        var kvBytes = model.Signature.BytesPerToken * descriptor.MaxBatch * descriptor.MaxInputTokens;
        devices.ReserveMore(model.Device, descriptor.Name, kvBytes);
        var engine = new GenerationEngine(model, scheduling.Value, time);
        engine.Start();
        var elapsedMs = time.GetElapsedTime(started).TotalMilliseconds;
        LogLoaded(logger, descriptor.Name, descriptor.Version, model.Device, model.Signature.Layers, model.Signature.Heads, model.Signature.HeadSize, elapsedMs);
        return new ServedDecoderModel(model, engine, kvBytes);
    }

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Decoder {Model} {Version} loaded on {Device} ({Layers} layers, {Heads} heads of {HeadSize}) in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string model, string version, string device, int layers, int heads, int headSize, double elapsedMs);
}
