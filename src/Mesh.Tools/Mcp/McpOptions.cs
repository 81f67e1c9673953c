namespace Mesh.Tools.Mcp;

/// <summary>MCP servers as tool sources (<c>Mesh:Tools:Mcp</c>).</summary>
public sealed class McpOptions
{
    public const string SectionName = "Mesh:Tools:Mcp";

    /// <summary>
    /// Folders holding installed MCP servers (an npm project: <c>node_modules/.bin</c> goes on the
    /// servers' PATH). Stdio servers see them read-only; they have no network to fetch packages.
    /// </summary>
    public List<string> ServerRoots { get; } = [];

    public TimeSpan DefaultConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan MaxConnectTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxCallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Memory of a stdio server's sandbox unless its registration asks for other limits (Node.js wants more than a script).</summary>
    public long DefaultServerMemoryBytes { get; set; } = 512L * 1024 * 1024;

    public int MaxServersPerTenant { get; set; } = 32;

    public int MaxToolsPerServer { get; set; } = 256;

    public IEnumerable<string> Problems()
    {
        foreach (var root in ServerRoots.Where(r => !Path.IsPathRooted(r)))
        {
            yield return $"{SectionName}:ServerRoots must be absolute paths ('{root}' is not)";
        }

        if (DefaultConnectTimeout <= TimeSpan.Zero || DefaultConnectTimeout > MaxConnectTimeout)
        {
            yield return $"{SectionName}:DefaultConnectTimeout must be positive and at most MaxConnectTimeout ({MaxConnectTimeout})";
        }

        if (DefaultCallTimeout <= TimeSpan.Zero || DefaultCallTimeout > MaxCallTimeout)
        {
            yield return $"{SectionName}:DefaultCallTimeout must be positive and at most MaxCallTimeout ({MaxCallTimeout})";
        }

        if (DefaultServerMemoryBytes < 64L * 1024 * 1024)
        {
            yield return $"{SectionName}:DefaultServerMemoryBytes must be at least 64 MiB (it is {DefaultServerMemoryBytes})";
        }

        if (MaxServersPerTenant < 1 || MaxToolsPerServer < 1)
        {
            yield return $"{SectionName}:MaxServersPerTenant and MaxToolsPerServer must be at least 1";
        }
    }
}
