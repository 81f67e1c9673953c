namespace Mesh.Identity.Storage;

/// <summary>Where identity keeps its state (<c>Mesh:Identity</c>).</summary>
public sealed class IdentityStorageOptions
{
    public const string SectionName = "Mesh:Identity";

    /// <summary>The SQLite database file, relative to the content root; created when missing.</summary>
    public string DatabasePath { get; set; } = "data/identity.db";
}
