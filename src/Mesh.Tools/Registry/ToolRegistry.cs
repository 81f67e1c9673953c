using System.Collections.Concurrent;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Tools.Registry;

/// <summary>
/// The tools each tenant can use, by name and version: the mesh's built-ins (every tenant) and
/// what its tenant sources hold (registered tools, MCP servers' tools). A tenant's set is built
/// on first use and rebuilt after <see cref="Invalidate"/>; built-in names are reserved.
/// </summary>
public sealed class ToolRegistry
{
    private readonly IReadOnlyList<RegisteredTool> _builtIns;
    private readonly IReadOnlyList<ITenantToolSource> _sources;
    private readonly ConcurrentDictionary<string, ToolSet> _tenants = new(StringComparer.Ordinal);
    private readonly ToolSet _builtInSet;

    public ToolRegistry(IEnumerable<ITool> tools, IEnumerable<ITenantToolSource>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        _builtIns = [.. tools.Select(t => new RegisteredTool(t))];
        _sources = [.. sources ?? []];
        _builtInSet = new ToolSet(_builtIns);
    }

    /// <summary>Every version of every built-in tool.</summary>
    public IEnumerable<RegisteredTool> All => _builtInSet.All;

    /// <summary>Every version of every tool <paramref name="tenant"/> can use, by name then version.</summary>
    public IEnumerable<RegisteredTool> AllOf(string tenant) => SetOf(tenant).All;

    /// <summary>Is <paramref name="name"/> a built-in tool (reserved in every tenant)?</summary>
    public bool IsBuiltIn(string name) => _builtInSet.Contains(name);

    /// <summary>The built-in tool <paramref name="name"/> at <paramref name="version"/>, or its latest version when empty.</summary>
    public RegisteredTool Resolve(string name, string version) => _builtInSet.Resolve(name, version);

    /// <summary>The tool of <paramref name="tenant"/> named <paramref name="name"/> at <paramref name="version"/> (latest when empty).</summary>
    /// <exception cref="Grpc.Core.RpcException">InvalidArgument for an empty name, NotFound for an unknown tool or version.</exception>
    public RegisteredTool Resolve(string tenant, string name, string version) => SetOf(tenant).Resolve(name, version);

    /// <summary>Forgets the tenant's tools: the next use reads its sources again.</summary>
    public void Invalidate(string tenant) => _tenants.TryRemove(tenant, out _);

    private ToolSet SetOf(string tenant) => _sources.Count == 0 || tenant.Length == 0
        ? _builtInSet
        : _tenants.GetOrAdd(tenant, t => new ToolSet([.. _builtIns, .. _sources.SelectMany(s => s.ToolsOf(t)).Select(tool => new RegisteredTool(tool))]));

    /// <summary>One tenant's tools, indexed by name.</summary>
    private sealed class ToolSet
    {
        private readonly Dictionary<string, RegisteredTool[]> _byName;

        public ToolSet(IReadOnlyList<RegisteredTool> registered)
        {
            var duplicate = registered.GroupBy(t => (t.Descriptor.Name.ToLowerInvariant(), t.Descriptor.Version)).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new InvalidOperationException($"tool '{duplicate.Key.Item1}' version {duplicate.Key.Version} is registered more than once");
            }

            var blank = registered.FirstOrDefault(t => string.IsNullOrWhiteSpace(t.Descriptor.Name) || string.IsNullOrWhiteSpace(t.Descriptor.Version));
            if (blank is not null)
            {
                throw new InvalidOperationException($"tool {blank.Tool.GetType().Name} has an empty name or version");
            }

            _byName = registered
                .GroupBy(t => t.Descriptor.Name, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.OrderBy(t => t.Descriptor.Version, ToolVersionComparer.Instance).ToArray(), StringComparer.OrdinalIgnoreCase);
        }

        public IEnumerable<RegisteredTool> All => _byName.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value);

        public bool Contains(string name) => _byName.ContainsKey(name.Trim());

        public RegisteredTool Resolve(string name, string version)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw MeshErrors.InvalidArgument("tool", $"is empty; name one of: {Names()}");
            }

            if (!_byName.TryGetValue(name.Trim(), out var versions))
            {
                throw MeshErrors.NotFound("tool", name, $"available tools: {Names()}");
            }

            if (string.IsNullOrEmpty(version))
            {
                return versions[^1];
            }

            return versions.FirstOrDefault(t => t.Descriptor.Version == version)
                ?? throw MeshErrors.NotFound($"version of tool '{name}'", version,
                    $"versions that exist: {string.Join(", ", versions.Select(t => t.Descriptor.Version))} (leave version empty for the latest)");
        }

        private string Names() => _byName.Count == 0 ? "(none)" : string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal));
    }
}
