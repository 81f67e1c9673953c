using Mesh.Tools.V1;

namespace Mesh.Tools.Registry;

/// <summary>What the registry publishes about a tool, apart from how it runs.</summary>
/// <param name="Name">Stable identifier callers invoke it by.</param>
/// <param name="Version">Semantic version (major.minor.patch).</param>
/// <param name="Description">What it does, for people and models choosing a tool.</param>
/// <param name="ArgumentsSchema">JSON Schema of the arguments object.</param>
/// <param name="Timeout">How long one execution may run.</param>
/// <param name="SideEffect">Whether running it reads or changes outside state.</param>
public sealed record ToolDescriptor(
    string Name,
    string Version,
    string Description,
    string ArgumentsSchema,
    TimeSpan Timeout,
    SideEffect SideEffect)
{
    /// <summary>The entry of telemetry's price list the tool is billed at; empty: its own name.</summary>
    public string PriceClass { get; init; } = "";

    /// <summary>What one sandboxed run may use; null for tools that run in the service.</summary>
    public SandboxLimits? Limits { get; init; }

    /// <summary>How it runs: builtin, process, mcp or http.</summary>
    public string Runtime { get; init; } = ToolRuntimes.BuiltIn;

    /// <summary>Where it comes from: mesh (every tenant), tenant, or mcp:&lt;server&gt;.</summary>
    public string Source { get; init; } = ToolSources.Mesh;

    /// <summary>The price list entry the tool is billed at.</summary>
    public string BilledAs => PriceClass.Length > 0 ? PriceClass : Name;

    public ToolInfo ToInfo(ToolPrice? price)
    {
        var info = new ToolInfo
        {
            Name = Name,
            Version = Version,
            Description = Description,
            ArgumentsSchema = ArgumentsSchema,
            TimeoutMs = (int)Math.Min(int.MaxValue, Timeout.TotalMilliseconds),
            SideEffect = SideEffect,
            Runtime = Runtime,
            Source = Source,
            Permission = $"tool:{Name}#invoker",
            Price = price,
        };
        if (Limits is { } limits)
        {
            info.Limits = limits.ToMessage();
        }

        return info;
    }
}

/// <summary>The runtimes a tool can have.</summary>
public static class ToolRuntimes
{
    public const string BuiltIn = "builtin";
    public const string Process = "process";
    public const string Mcp = "mcp";
    public const string Http = "http";
}

/// <summary>Where a tool comes from.</summary>
public static class ToolSources
{
    public const string Mesh = "mesh";
    public const string Tenant = "tenant";

    public static string McpServer(string server) => $"mcp:{server}";
}
