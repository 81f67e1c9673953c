namespace Mesh.ServiceDefaults;

/// <summary>How the mesh runs (<c>Mesh:Mode</c>): <c>embedded</c> (default, one machine) or <c>distributed</c>.</summary>
public static class MeshMode
{
    public const string Key = "Mesh:Mode";
    public const string Embedded = "embedded";
    public const string Distributed = "distributed";

    /// <summary>The well-known development key; never accepted in distributed mode.</summary>
    public const string DevelopmentBootstrapKey = "mesh-dev-admin-key";

    /// <summary>The development service keys (<c>mesh-dev-service-key-&lt;service&gt;...</c>) start so; never accepted in distributed mode.</summary>
    public const string DevelopmentServiceKeyPrefix = "mesh-dev-service-key-";

    /// <summary>Shortest bootstrap key accepted in distributed mode.</summary>
    public const int MinDistributedKeyLength = 32;

    public static bool IsDistributed(string? mode) => string.Equals(mode?.Trim(), Distributed, StringComparison.OrdinalIgnoreCase);
}
