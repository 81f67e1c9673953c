namespace Mesh.Tools.Knowledge;

/// <summary>Knowledge sets (<c>Mesh:Tools:Knowledge</c>).</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "Mesh:Tools:Knowledge";

    /// <summary>The embedding model of sets created without one (inference's model name).</summary>
    public string DefaultModel { get; set; } = "all-MiniLM-L6-v2";

    /// <summary>Longest chunk, in characters (all-MiniLM-L6-v2 reads about 256 tokens).</summary>
    public int ChunkCharacters { get; set; } = 800;

    /// <summary>Characters a chunk repeats from the end of the one before it.</summary>
    public int ChunkOverlap { get; set; } = 120;

    /// <summary>Texts per Embed call (inference takes at most 64).</summary>
    public int EmbedBatch { get; set; } = 32;

    public int MaxDocumentCharacters { get; set; } = 1_000_000;

    public int MaxDocumentsPerCall { get; set; } = 256;

    public int MaxSetsPerTenant { get; set; } = 100;

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(DefaultModel))
        {
            yield return $"{SectionName}:DefaultModel must name an embedding model";
        }

        if (ChunkCharacters < 100 || ChunkOverlap < 0 || ChunkOverlap >= ChunkCharacters / 2)
        {
            yield return $"{SectionName}:ChunkCharacters must be at least 100 and ChunkOverlap below half of it (they are {ChunkCharacters} and {ChunkOverlap})";
        }

        if (EmbedBatch is < 1 or > 64)
        {
            yield return $"{SectionName}:EmbedBatch must be between 1 and 64 (it is {EmbedBatch})";
        }

        if (MaxDocumentCharacters < 1000 || MaxDocumentsPerCall < 1 || MaxSetsPerTenant < 1)
        {
            yield return $"{SectionName}:MaxDocumentCharacters (at least 1000), MaxDocumentsPerCall and MaxSetsPerTenant (at least 1) are too small";
        }
    }
}
