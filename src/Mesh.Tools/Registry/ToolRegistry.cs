using Mesh.ServiceDefaults.Errors;

namespace Mesh.Tools.Registry;

/// <summary>The tools this service runs, by name and version.</summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, RegisteredTool[]> _byName;

    public ToolRegistry(IEnumerable<ITool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var registered = tools.Select(t => new RegisteredTool(t)).ToList();
        var duplicate = registered.GroupBy(t => (t.Descriptor.Name, t.Descriptor.Version)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"tool '{duplicate.Key.Name}' version {duplicate.Key.Version} is registered more than once");
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

    /// <summary>Every version of every tool, by name then version.</summary>
    public IEnumerable<RegisteredTool> All => _byName.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value);

    /// <summary>The tool <paramref name="name"/> at <paramref name="version"/>, or its latest version when empty.</summary>
    /// <exception cref="Grpc.Core.RpcException">InvalidArgument for an empty name, NotFound for an unknown tool or version.</exception>
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
