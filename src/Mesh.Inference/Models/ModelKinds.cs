namespace Mesh.Inference.Models;

/// <summary>The kinds of model the server runs.</summary>
public static class ModelKinds
{
    public const string Embedding = "embedding";
    public const string CausalLm = "causal-lm";
    public const string Tensors = "tensors";

    public static readonly string[] All = [Embedding, CausalLm, Tensors];
}
