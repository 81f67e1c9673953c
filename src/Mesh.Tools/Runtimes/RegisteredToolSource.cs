using Mesh.Tools.Registry;

namespace Mesh.Tools.Runtimes;

/// <summary>The tools a tenant's admins registered, each made runnable by its runtime.</summary>
public sealed partial class RegisteredToolSource(SqliteToolDefinitionStore store, IEnumerable<IToolRuntime> runtimes, ILogger<RegisteredToolSource> logger) : ITenantToolSource
{
    private readonly Dictionary<string, IToolRuntime> _runtimes = runtimes.ToDictionary(r => r.Kind, StringComparer.Ordinal);

    public IEnumerable<ITool> ToolsOf(string tenant)
    {
        foreach (var definition in store.List(tenant))
        {
            if (_runtimes.TryGetValue(definition.Runtime, out var runtime))
            {
                yield return runtime.Create(definition);
            }
            else
            {
                // Registered on a server that had this runtime; this one cannot run it.
                LogNoRuntime(logger, tenant, definition.Name, definition.Version, definition.Runtime);
            }
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Tool {Tool} {Version} of tenant {Tenant} needs the {Runtime} runtime, which this server does not have; it is not listed")]
    private static partial void LogNoRuntime(ILogger logger, string tenant, string tool, string version, string runtime);
}
