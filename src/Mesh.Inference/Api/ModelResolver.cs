using Mesh.Inference.Models;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Inference.Api;

/// <summary>Finds the catalog model a request names, checking its version and kind.</summary>
public sealed class ModelResolver(ModelCatalog catalog)
{
    /// <summary>The model; throws InvalidArgument (no name, wrong kind) or NotFound (unknown name or version).</summary>
    public ModelDescriptor Find(string name, string version, string kind, string rpc)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw MeshErrors.InvalidArgument("model", $"no model named; use one of: {NamesOf(kind)} (ListModels lists them)");
        }

        if (!catalog.TryFind(name.Trim(), out var model))
        {
            throw MeshErrors.NotFound("model", name, $"available models: {catalog.Names}");
        }

        if (!string.IsNullOrEmpty(version) && !string.Equals(version, model.Version, StringComparison.Ordinal))
        {
            throw MeshErrors.NotFound("model version", $"{model.Name}@{version}", $"this server has version {model.Version}");
        }

        if (model.Kind != kind)
        {
            throw MeshErrors.InvalidArgument("model", $"'{model.Name}' is a model of kind {model.Kind}; {rpc} needs one of kind {kind} ({NamesOf(kind)})");
        }

        return model;
    }

    /// <summary>Any model by name (model management); NotFound when unknown.</summary>
    public ModelDescriptor Find(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw MeshErrors.InvalidArgument("model", "no model named (ListModels lists them)");
        }

        return catalog.TryFind(name, out var model) ? model : throw MeshErrors.NotFound("model", name, $"available models: {catalog.Names}");
    }

    private string NamesOf(string kind)
    {
        var names = catalog.Models.Where(m => m.Kind == kind).Select(m => m.Name).ToList();
        return names.Count == 0 ? "none on this server" : string.Join(", ", names);
    }
}
