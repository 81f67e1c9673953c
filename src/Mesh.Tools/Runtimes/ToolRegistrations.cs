using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grpc.Core;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Runtimes;

/// <summary>
/// Registers and deletes a tenant's own tools: every part of a registration is checked (name,
/// version, schema, timeout, limits, runtime) and every problem reported before anything is
/// written; the tenant's registry is rebuilt after each change.
/// </summary>
public sealed partial class ToolRegistrations(
    SqliteToolDefinitionStore store,
    ToolRegistry registry,
    IEnumerable<IToolRuntime> runtimes,
    IOptions<ToolRegistrationOptions> options,
    TimeProvider time)
{
    private readonly Dictionary<string, IToolRuntime> _runtimes = runtimes.ToDictionary(r => r.Kind, StringComparer.Ordinal);

    public ToolDescriptor Register(string tenant, string createdBy, RegisterToolRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<(string Field, string Problem)>();
        var limits = options.Value;
        var name = request.Name.Trim();
        if (ToolNames.Problem(name) is { } nameProblem)
        {
            problems.Add(("name", nameProblem));
        }

        var version = request.Version.Length == 0 ? "1.0.0" : request.Version.Trim();
        if (!SemanticVersion().IsMatch(version))
        {
            problems.Add(("version", $"'{version}' is not a version such as 1.0.0 or 2.1.0-beta"));
        }

        var schema = request.ArgumentsSchema.Length == 0 ? """{"type":"object"}""" : request.ArgumentsSchema;
        problems.AddRange(SchemaProblems(schema));
        var timeout = request.TimeoutMs == 0 ? limits.DefaultTimeout : TimeSpan.FromMilliseconds(request.TimeoutMs);
        if (request.TimeoutMs < 0 || timeout > limits.MaxTimeout)
        {
            problems.Add(("timeout_ms", $"must be between 1 and {limits.MaxTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} (0: the default, {limits.DefaultTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)})"));
        }

        var size = request.CalculateSize();
        if (size > limits.MaxDefinitionBytes)
        {
            problems.Add(("", $"the registration is {size} bytes; at most {limits.MaxDefinitionBytes}"));
        }

        var (kind, spec) = RuntimeOf(request);
        var definition = new ToolDefinition(tenant, name, version, request.Description.Trim(), schema,
            request.SideEffect == SideEffect.Unspecified ? SideEffect.Write : request.SideEffect, timeout, LimitsOf(request.Limits), kind, spec);
        if (kind.Length == 0)
        {
            problems.Add(("runtime", "is not set; set process (a command line run in the sandbox) or http (an endpoint on the tenant's allow-list)"));
        }
        else if (!_runtimes.TryGetValue(kind, out var runtime))
        {
            throw MeshErrors.FailedPrecondition($"the {kind} runtime is not available on this tools server; runtimes it has: {string.Join(", ", _runtimes.Keys.Order())}");
        }
        else
        {
            problems.AddRange(runtime.Check(definition));
        }

        if (problems.Count > 0)
        {
            throw Invalid(problems);
        }

        if (registry.IsBuiltIn(name))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"'{name}' is a built-in tool of the mesh; choose another name"));
        }

        if (store.List(tenant).Count >= limits.MaxToolsPerTenant)
        {
            throw MeshErrors.ResourceExhausted($"tenant '{tenant}' has registered {limits.MaxToolsPerTenant} tools, the most it may; delete some first");
        }

        // Building it checks what only the runtime can (and compiles the schema) before anything is stored.
        var tool = _runtimes[kind].Create(definition);
        _ = new RegisteredTool(tool);
        if (!store.TryAdd(definition, createdBy, time.GetUtcNow()))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"tool '{name}' version {version} is already registered; register another version or delete it first"));
        }

        registry.Invalidate(tenant);
        return tool.Descriptor;
    }

    public int Delete(string tenant, DeleteToolRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name.Trim().ToLowerInvariant();
        ToolNames.Check(name, "name");
        if (registry.IsBuiltIn(name))
        {
            throw MeshErrors.FailedPrecondition($"'{name}' is a built-in tool of the mesh; only tools the tenant registered can be deleted");
        }

        var deleted = store.Delete(tenant, name, request.Version.Trim());
        if (deleted == 0)
        {
            var registered = store.List(tenant).Select(d => $"{d.Name} {d.Version}").ToList();
            throw MeshErrors.NotFound("registered tool", request.Version.Length > 0 ? $"{name} {request.Version}" : name,
                registered.Count > 0 ? $"the tenant registered: {string.Join(", ", registered)}" : "the tenant has registered no tools");
        }

        registry.Invalidate(tenant);
        return deleted;
    }

    private static RpcException Invalid(List<(string Field, string Problem)> problems) => problems.Count == 1
        ? MeshErrors.InvalidArgument(problems[0].Field.Length > 0 ? problems[0].Field : "request", problems[0].Problem)
        : MeshErrors.InvalidArgument(problems[0].Field.Length > 0 ? problems[0].Field : "request",
            $"{problems.Count} problems: {string.Join("; ", problems.Select(p => p.Field.Length > 0 ? $"{p.Field}: {p.Problem}" : p.Problem))}");

    private static IEnumerable<(string, string)> SchemaProblems(string schema)
    {
        try
        {
            using var document = JsonDocument.Parse(schema);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return [("arguments_schema", "must be a JSON Schema object")];
            }

            _ = Json.Schema.JsonSchema.Build(document.RootElement, new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
            return [];
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or Json.Schema.JsonSchemaException)
        {
            return [("arguments_schema", $"is not a valid JSON Schema: {ex.Message}")];
        }
    }

    private static SandboxLimits? LimitsOf(V1.ToolLimits? limits) => limits is null
        ? null
        : new SandboxLimits(limits.MemoryBytes, limits.MaxProcesses, limits.CpuCores, limits.OutputBytes);

    private static (string Kind, JsonElement Spec) RuntimeOf(RegisterToolRequest request) => request.RuntimeCase switch
    {
        RegisterToolRequest.RuntimeOneofCase.Process => (ToolRuntimes.Process, Element(new JsonObject
        {
            ["command"] = new JsonArray([.. request.Process.Command.Select(c => JsonValue.Create(c))]),
            ["files"] = new JsonObject(request.Process.Files.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value)))),
        })),
        RegisterToolRequest.RuntimeOneofCase.Http => (ToolRuntimes.Http, Element(new JsonObject
        {
            ["method"] = request.Http.Method.Trim().ToUpperInvariant(),
            ["url"] = request.Http.Url.Trim(),
        })),
        _ => ("", Element(new JsonObject())),
    };

    private static JsonElement Element(JsonNode node) => JsonSerializer.SerializeToElement(node);

    [GeneratedRegex(@"^\d{1,9}\.\d{1,9}\.\d{1,9}(-[0-9A-Za-z.-]{1,64})?$")]
    private static partial Regex SemanticVersion();
}
