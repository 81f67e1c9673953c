using System.Text;
using FastBertTokenizer;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Embeddings;

/// <summary>Loads an embedding model from the model repository: vocabulary, ONNX session, warm-up.</summary>
public sealed partial class EmbeddingModelLoader(
    IOptions<InferenceOptions> options,
    OnnxSessionFactory sessions,
    TimeProvider time,
    ILogger<EmbeddingModelLoader> logger)
{
    public EmbeddingModel Load(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var started = time.GetTimestamp();
        var package = descriptor.PackagePath(options.Value.ResolvedModelRoot);
        var tokenizer = LoadTokenizer(package, descriptor);
        var loaded = sessions.Create(descriptor.Name, EmbeddedResourceReader.Read(package, descriptor.ModelResource));
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

        var elapsed = time.GetElapsedTime(started);
        LogLoaded(logger, descriptor.Name, descriptor.Version, model.Device, options.Value.ResolvedIntraOpThreads, elapsed.TotalMilliseconds);
        return model;
    }

    /// <summary>The uncased BERT WordPiece tokenizer of the model's vocab.txt.</summary>
    public static BertTokenizer LoadTokenizer(string package, ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var vocabulary = EmbeddedResourceReader.Read(package, descriptor.VocabularyResource);
        var tokenizer = new BertTokenizer();
        using var reader = new StreamReader(new MemoryStream(vocabulary), Encoding.UTF8);
        tokenizer.LoadVocabulary(reader, convertInputToLowercase: true);
        return tokenizer;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Model {Model} {Version} loaded on {Device} ({Threads} CPU threads per run) in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string model, string version, string device, int threads, double elapsedMs);
}
