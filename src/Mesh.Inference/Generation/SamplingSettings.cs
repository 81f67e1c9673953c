namespace Mesh.Inference.Generation;

/// <summary>How the next token is chosen: greedy at temperature 0, else sampled from the top-k / top-p candidates.</summary>
public sealed record SamplingSettings(float Temperature, int TopK, float TopP, ulong Seed)
{
    public bool Greedy => Temperature <= 0;
}
