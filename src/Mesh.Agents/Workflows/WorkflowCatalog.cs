using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Workflows.Definitions;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Agents.Workflows;

/// <summary>
/// Workflow definitions per tenant, versioned: the built-in ones shipped with Mesh and each
/// tenant's own. A new version is checked whole before it is stored (every problem named by
/// its path, tools and models that do not exist for the caller included); definitions are
/// read once and kept, since a stored version never changes.
/// </summary>
public sealed class WorkflowCatalog(IRunStore store, Tools.V1.Tools.ToolsClient tools, Inference.V1.Inference.InferenceClient inference, TimeProvider time)
{
    public const string BuiltInAuthor = "mesh";

    private static readonly Lazy<List<ResolvedWorkflow>> BuiltIns = new(LoadBuiltIns);
    private readonly ConcurrentDictionary<(string Tenant, string Name, int Version), WorkflowDefinition> _definitions = new();

    public static IReadOnlyList<ResolvedWorkflow> BuiltInWorkflows => BuiltIns.Value;

    /// <summary>The definition a run is pinned to.</summary>
    public async Task<WorkflowDefinition> DefinitionAsync(string tenant, string name, int version, CancellationToken cancellationToken)
    {
        if (BuiltIns.Value.FirstOrDefault(b => b.Stored.Name == name && (version == 0 || b.Stored.Version == version)) is { } builtIn)
        {
            return builtIn.Definition;
        }

        if (version > 0 && _definitions.TryGetValue((tenant, name, version), out var cached))
        {
            return cached;
        }

        return (await ResolveAsync(tenant, name, version, cancellationToken)).Definition;
    }

    /// <summary>A version of a workflow (0: the latest); NotFound naming what exists.</summary>
    public async Task<ResolvedWorkflow> ResolveAsync(string tenant, string name, int version, CancellationToken cancellationToken)
    {
        var builtIn = BuiltIns.Value.FirstOrDefault(b => b.Stored.Name == name);
        if (builtIn is not null)
        {
            return version is 0 || version == builtIn.Stored.Version
                ? builtIn
                : throw MeshErrors.NotFound("workflow version", $"{name}@{version}", $"built-in workflow '{name}' has version {builtIn.Stored.Version} only");
        }

        var stored = await store.GetWorkflowAsync(tenant, name, version, cancellationToken);
        if (stored is null)
        {
            var latest = version > 0 ? await store.GetWorkflowAsync(tenant, name, 0, cancellationToken) : null;
            throw latest is not null
                ? MeshErrors.NotFound("workflow version", $"{name}@{version}", $"'{name}' has versions 1 to {latest.Version}")
                : MeshErrors.NotFound("workflow", name, $"workflows: {string.Join(", ", (await ListAsync(tenant, cancellationToken)).Select(w => w.Stored.Name))}");
        }

        var definition = _definitions.GetOrAdd((tenant, name, stored.Version), _ => Read(stored.DefinitionJson));
        return new ResolvedWorkflow(stored, definition, BuiltIn: false);
    }

    public async Task<IReadOnlyList<ResolvedWorkflow>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var own = await store.ListWorkflowsAsync(tenant, cancellationToken);
        return [.. BuiltIns.Value, .. own.Select(s => new ResolvedWorkflow(s, _definitions.GetOrAdd((tenant, s.Name, s.Version), _ => Read(s.DefinitionJson)), BuiltIn: false))];
    }

    /// <summary>Checks and stores a new version; InvalidArgument listing every problem, and nothing stored, when it is not valid.</summary>
    public async Task<ResolvedWorkflow> CreateAsync(string tenant, string createdBy, string text, string format, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw MeshErrors.InvalidArgument("definition", "is empty; send the workflow document (JSON or YAML)");
        }

        if (text.Length > DocumentLoader.MaxLength)
        {
            throw MeshErrors.InvalidArgument("definition", $"is {text.Length} characters; the limit is {DocumentLoader.MaxLength}");
        }

        if (!string.IsNullOrWhiteSpace(format) && format.Trim().ToLowerInvariant() is not ("json" or "yaml" or "yml"))
        {
            throw MeshErrors.InvalidArgument("format", $"'{format}' is not json or yaml");
        }

        var document = DocumentLoader.Load(text, format, out var error);
        if (error is not null)
        {
            throw MeshErrors.InvalidArgument("definition", error);
        }

        var problems = new DefinitionProblems();
        var definition = DefinitionReader.Read(document, problems);
        if (definition is not null)
        {
            if (BuiltIns.Value.Any(b => b.Stored.Name == definition.Name))
            {
                problems.Add("name", $"'{definition.Name}' is a built-in workflow; choose another name");
            }

            if (document?["version"] is JsonValue v && v.TryGetValue<double>(out _))
            {
                var next = ((await store.GetWorkflowAsync(tenant, definition.Name, 0, cancellationToken))?.Version ?? 0) + 1;
                if ((int)v.GetValue<double>() != next)
                {
                    problems.Add("version", $"is {v}, but this would be version {next} of '{definition.Name}'; leave version out and it is numbered for you");
                }
            }

            await CheckUsesAsync(tenant, definition, problems, cancellationToken);
        }

        if (problems.Any || definition is null)
        {
            throw InvalidDefinition(problems);
        }

        var json = document!.ToJsonString();
        var stored = await store.CreateWorkflowAsync(tenant, definition.Name, json, Digest(json), createdBy, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        _definitions[(tenant, stored.Name, stored.Version)] = definition;
        return new ResolvedWorkflow(stored, definition, BuiltIn: false);
    }

    /// <summary>The versions of every subworkflow <paramref name="definition"/> reaches, fixed now for a run.</summary>
    public async Task<RunPins> PinAsync(string tenant, WorkflowDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var pins = new JsonObject();
        var queue = new Queue<WorkflowDefinition>([definition]);
        var tools = new SortedSet<string>(definition.Tools, StringComparer.Ordinal);
        var models = new SortedSet<string>(definition.Models, StringComparer.Ordinal);
        while (queue.TryDequeue(out var next))
        {
            foreach (var (name, version) in next.Subworkflows)
            {
                if (pins.ContainsKey(name))
                {
                    continue;
                }

                var resolved = await ResolveAsync(tenant, name, version, cancellationToken);
                pins[name] = resolved.Stored.Version;
                tools.UnionWith(resolved.Definition.Tools);
                models.UnionWith(resolved.Definition.Models);
                queue.Enqueue(resolved.Definition);
            }
        }

        return new RunPins(pins, [.. tools], [.. models]);
    }

    private async Task CheckUsesAsync(string tenant, WorkflowDefinition definition, DefinitionProblems problems, CancellationToken cancellationToken)
    {
        if (definition.Tools.Count > 0)
        {
            var known = await ListOrUnavailable("tools", async () => (await tools.ListToolsAsync(new Tools.V1.ListToolsRequest(), cancellationToken: cancellationToken)).Tools.Select(t => t.Name));
            foreach (var tool in definition.Tools.Where(t => !known.Contains(t, StringComparer.OrdinalIgnoreCase)))
            {
                problems.Add(PathOf(definition, "tool", tool), $"tool '{tool}' does not exist (or is not yours to use); tools: {string.Join(", ", known)}");
            }
        }

        if (definition.Models.Count > 0)
        {
            var known = await ListOrUnavailable("inference", async () => (await inference.ListModelsAsync(new Inference.V1.ListModelsRequest(), cancellationToken: cancellationToken)).Models.Select(m => m.Name));
            foreach (var model in definition.Models.Where(m => !known.Contains(m, StringComparer.OrdinalIgnoreCase)))
            {
                problems.Add(PathOf(definition, "model", model), $"model '{model}' does not exist; models: {string.Join(", ", known)}");
            }
        }

        foreach (var (name, version) in definition.Subworkflows)
        {
            try
            {
                await ResolveAsync(tenant, name, version, cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                if (name != definition.Name)
                {
                    problems.Add(PathOf(definition, "workflow", name), ex.Status.Detail);
                }
            }
        }
    }

    private static async Task<List<string>> ListOrUnavailable(string service, Func<Task<IEnumerable<string>>> list)
    {
        try
        {
            return [.. await list()];
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw MeshErrors.Unavailable($"the definition's {service} could not be checked: the {service} service is unreachable; retry shortly");
        }
    }

    /// <summary>The path of the first step field naming <paramref name="value"/>.</summary>
    private static string PathOf(WorkflowDefinition definition, string field, string value)
    {
        foreach (var step in definition.Steps)
        {
            foreach (var candidate in new[] { step, step.Compensate }.Where(s => s is not null).Select(s => s!))
            {
                if (candidate.String(field) == value)
                {
                    return $"{candidate.Path}.{field}";
                }

                if (candidate.Node("step") is JsonObject body && body[field] is JsonValue b && b.TryGetValue<string>(out var inner) && inner == value)
                {
                    return $"{candidate.Path}.step.{field}";
                }

                if (field == "tool" && candidate.Node("tools") is JsonArray list && list.Any(t => t is JsonValue tv && tv.TryGetValue<string>(out var s) && s == value))
                {
                    return $"{candidate.Path}.tools";
                }
            }
        }

        return "steps";
    }

    private static RpcException InvalidDefinition(DefinitionProblems problems)
    {
        var all = problems.All;
        var field = all.Count == 1 ? all[0].Path : "definition";
        var message = all.Count == 1
            ? $"{all[0].Problem}"
            : $"{all.Count} problems: {string.Join("; ", all.Select(p => $"{p.Path}: {p.Problem}"))}";
        var error = MeshErrors.InvalidArgument(field, message);
        return error;
    }

    private static WorkflowDefinition Read(string json)
    {
        var problems = new DefinitionProblems();
        return DefinitionReader.Read(JsonNode.Parse(json), problems) ?? throw new InvalidOperationException($"a stored workflow does not read: {problems}");
    }

    private static string Digest(string json) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    private static List<ResolvedWorkflow> LoadBuiltIns()
    {
        var assembly = typeof(WorkflowCatalog).Assembly;
        var workflows = new List<ResolvedWorkflow>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var document = DocumentLoader.Load(reader.ReadToEnd(), "yaml", out var error) ?? throw new InvalidOperationException($"{resource}: {error}");
            var problems = new DefinitionProblems();
            var definition = DefinitionReader.Read(document, problems);
            if (definition is null || problems.Any)
            {
                throw new InvalidOperationException($"built-in workflow {resource} is not valid: {problems}");
            }

            var json = document.ToJsonString();
            workflows.Add(new ResolvedWorkflow(new StoredWorkflow("", definition.Name, 1, json, Digest(json), BuiltInAuthor, 0) { LatestVersion = 1 }, definition, BuiltIn: true));
        }

        return workflows;
    }
}
