namespace Mesh.Inference.Models;

/// <summary>
/// A model the server knows: what it is, what it accepts, and where its files are in the
/// model repository (<c>&lt;root&gt;/&lt;name&gt;/&lt;package file&gt;</c>, the ONNX graph and the vocabulary as
/// embedded resources of that file).
/// </summary>
public sealed record ModelDescriptor(
    string Name,
    string Version,
    string Kind,
    int Dimensions,
    int MaxInputTokens,
    string PackageFile,
    string ModelResource,
    string VocabularyResource)
{
    /// <summary>The package file of this model under <paramref name="modelRoot"/>.</summary>
    public string PackagePath(string modelRoot) => Path.Combine(modelRoot, Name, PackageFile);
}
