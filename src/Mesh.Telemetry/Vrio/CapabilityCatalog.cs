using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Inference.V1;
using Mesh.Telemetry.V1;
using Mesh.Tools.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Vrio;

/// <summary>Where capabilities are listed from: one source per registry.</summary>
public interface ICapabilitySource
{
    string Name { get; }

    /// <summary>The capabilities the caller can see (read with the caller's own credentials).</summary>
    Task<IReadOnlyList<CapabilityKey>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>Models by version, from inference's ListModels.</summary>
public sealed class ModelRegistrySource(Inference.V1.Inference.InferenceClient client) : ICapabilitySource
{
    public string Name => "models";

    public async Task<IReadOnlyList<CapabilityKey>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await client.ListModelsAsync(new ListModelsRequest(), cancellationToken: cancellationToken)).Models.Select(m => new CapabilityKey(CapabilityKey.Model, m.Name, m.Version))];
}

/// <summary>Tools (built-in, process and MCP tools alike), from the tools service's ListTools.</summary>
public sealed class ToolRegistrySource(Tools.V1.Tools.ToolsClient client) : ICapabilitySource
{
    public string Name => "tools";

    public async Task<IReadOnlyList<CapabilityKey>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await client.ListToolsAsync(new ListToolsRequest(), cancellationToken: cancellationToken)).Tools.Select(t => new CapabilityKey(CapabilityKey.Tool, t.Name, t.Version))];
}

/// <summary>Workflows by version, from agents' ListWorkflows.</summary>
public sealed class WorkflowRegistrySource(Agents.V1.Agents.AgentsClient client) : ICapabilitySource
{
    public string Name => "workflows";

    public async Task<IReadOnlyList<CapabilityKey>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await client.ListWorkflowsAsync(new ListWorkflowsRequest(), cancellationToken: cancellationToken)).Workflows
            .Select(w => new CapabilityKey(CapabilityKey.Workflow, w.Name, w.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
}

/// <summary>
/// A tenant's capabilities: what the registries list for the caller, what the tenant's usage
/// used, and what its owners described; each with its metadata (the version's, else the name's).
/// </summary>
public sealed class CapabilityCatalog(IEnumerable<ICapabilitySource> sources, CapabilityStore store, IOptions<VrioOptions> options)
{
    public sealed record Listing(Dictionary<CapabilityKey, Capability> Capabilities, List<string> Notes);

    public async Task<Listing> ListAsync(string tenantId, IEnumerable<CapabilityKey> used, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var seen = new Dictionary<CapabilityKey, HashSet<string>>();
        void See(CapabilityKey key, string where)
        {
            if (!seen.TryGetValue(key, out var set))
            {
                seen[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(where);
        }

        if (options.Value.ReadRegistries)
        {
            foreach (var source in sources)
            {
                try
                {
                    foreach (var key in await source.ListAsync(cancellationToken))
                    {
                        See(key, "registry");
                    }
                }
                catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
                {
                    notes.Add($"{source.Name} registry not read ({e.StatusCode}): its capabilities appear only through usage and metadata");
                }
            }
        }

        // Calls refused before they named a resource (an unknown model, a malformed request) are no capability.
        foreach (var key in used.Where(k => k.Name.Length > 0))
        {
            See(key, "usage");
        }

        var metadata = await store.LoadAsync(tenantId, cancellationToken);
        foreach (var key in metadata.Keys.Where(k => k.Version.Length > 0))
        {
            See(key, "metadata");
        }

        var result = new Dictionary<CapabilityKey, Capability>();
        foreach (var (key, where) in seen)
        {
            var set = metadata.GetValueOrDefault(key) ?? metadata.GetValueOrDefault(key with { Version = "" });
            var capability = set?.Clone() ?? new Capability();
            capability.Ref = key.ToRef();
            capability.SeenIn.Clear();
            if (set is not null)
            {
                where.Add("metadata");
            }

            capability.SeenIn.AddRange(where.Order(StringComparer.Ordinal));
            result[key] = capability;
        }

        // Metadata set for every version of a name that nothing else lists stays listed under that name.
        foreach (var (key, capability) in metadata.Where(p => p.Key.Version.Length == 0 && !seen.Keys.Any(k => k.Kind == p.Key.Kind && k.Name == p.Key.Name)))
        {
            var copy = capability.Clone();
            copy.SeenIn.Clear();
            copy.SeenIn.Add("metadata");
            result[key] = copy;
        }

        return new Listing(result, notes);
    }
}
