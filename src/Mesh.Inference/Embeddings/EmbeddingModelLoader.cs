using System.Text;
using FastBertTokenizer;
using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Embeddings;

/// <summary>Loads an embedding model from the model repository on a device: vocabulary, ONNX session, warm-up, batcher.</summary>
public sealed partial class EmbeddingModelLoader(
    IOptions<InferenceOptions> options,
    IOptions<SchedulingOptions> scheduling,
    OnnxSessionFactory sessions,
    TimeProvider time,
    ILogger<EmbeddingModelLoader> logger)
{
    public ServedEmbeddingModel Load(ModelDescriptor descriptor, ComputeDevice device, long reservedBytes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var started = time.GetTimestamp();
        var root = options.Value.ResolvedModelRoot;
        var tokenizer = LoadTokenizer(descriptor.PackagePath(root), descriptor);
        var loaded = sessions.Create(descriptor, ModelFiles.ReadGraph(descriptor, root), device, reservedBytes);
        EmbeddingModel model;
        try
        {
            model = new EmbeddingModel(descriptor, loaded, tokenizer, time);
        }
        catch
        {
            loaded.Session.Dispose();
            throw;
        }

        try
        {
            model.WarmUp();
        }
        catch
        {
            model.Dispose();
            throw;
        }

        var memory = loaded.Measure(0);
        var batcher = new EmbeddingBatcher(model, loaded.Placed.Scheduler, scheduling.Value, time);
        batcher.Start();
        var elapsed = time.GetElapsedTime(started);
        LogLoaded(logger, descriptor.Name, descriptor.Version, model.Device, descriptor.MaxBatch, elapsed.TotalMilliseconds);
        return new ServedEmbeddingModel(model, batcher, memory);
    }

    /// <summary>The uncased BERT WordPiece tokenizer of the model's vocab.txt.</summary>
    public static BertTokenizer LoadTokenizer(string package, ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var vocabulary = string.IsNullOrEmpty(descriptor.VocabularyResource)
            ? File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(package)!, "vocab.txt"))
            : EmbeddedResourceReader.Read(package, descriptor.VocabularyResource);
        var tokenizer = new BertTokenizer();
        using var reader = new StreamReader(new MemoryStream(vocabulary), Encoding.UTF8);
        tokenizer.LoadVocabulary(reader, convertInputToLowercase: true);
        return tokenizer;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Model {Model} {Version} loaded on {Device} (max batch {MaxBatch}) in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string model, string version, string device, int maxBatch, double elapsedMs);
}
