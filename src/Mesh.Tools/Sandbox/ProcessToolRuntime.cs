using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Tools.Registry;
using Mesh.Tools.Runtimes;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox;

/// <summary>
/// Registered command-line tools (<c>process</c>): the command runs in the sandbox with the
/// arguments object as JSON on stdin and the tool's files read-only under <c>/tool</c>; its stdout
/// is the result (parsed as JSON when it is JSON). The program must be one of the tool's files or
/// an executable of the sandbox's read-only system view, and not one that manages privileges.
/// </summary>
public sealed class ProcessToolRuntime(SandboxedCall sandbox, ToolFiles files, IOptions<SandboxOptions> options) : IToolRuntime
{
    private const int MaxArguments = 64;
    private const int MaxFiles = 64;

    public string Kind => ToolRuntimes.Process;

    public IEnumerable<(string Field, string Problem)> Check(ToolDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var spec = ProcessSpec.Of(definition);
        foreach (var problem in options.Value.LimitProblems(definition.Limits))
        {
            yield return problem;
        }

        if (spec.Files.Count > MaxFiles)
        {
            yield return ("process.files", $"has {spec.Files.Count} files; at most {MaxFiles}");
        }

        foreach (var name in spec.Files.Keys)
        {
            if (ToolFiles.NameProblem(name) is { } problem)
            {
                yield return ($"process.files[{name}]", problem);
            }
        }

        if (spec.Command.Count == 0)
        {
            yield return ("process.command", "is empty; give the program and its arguments, e.g. [\"python3\", \"/tool/main.py\"]");
            yield break;
        }

        if (spec.Command.Count > MaxArguments || spec.Command.Any(a => a.Length > 4096 || a.Contains('\0', StringComparison.Ordinal)))
        {
            yield return ("process.command", $"must have at most {MaxArguments} arguments of at most 4096 characters, without NUL");
        }

        if (SandboxPrograms.Problem(options.Value, spec.Command[0], [.. spec.Files.Keys], []) is { } programProblem)
        {
            yield return ("process.command", programProblem);
        }
    }

    public ITool Create(ToolDefinition definition) => new ProcessTool(definition, ProcessSpec.Of(definition), sandbox, files, options.Value);

    private sealed class ProcessTool(ToolDefinition definition, ProcessSpec spec, SandboxedCall sandbox, ToolFiles files, SandboxOptions options) : ITool
    {
        public ToolDescriptor Descriptor { get; } = definition.Descriptor(SandboxTools.PriceClass) with { Limits = options.Resolve(definition.Limits) };

        public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
        {
            var result = await sandbox.RunAsync(spec.Command, Encoding.UTF8.GetBytes(arguments.GetRawText()), files.FolderOf(spec.Files),
                Descriptor.Limits!, Descriptor.Timeout, cancellationToken);
            var json = result.ToJson();
            json["output"] = Parse(result.Stdout);
            return json;
        }

        private static JsonNode? Parse(string stdout)
        {
            try
            {
                return stdout.Length == 0 ? null : JsonNode.Parse(stdout);
            }
            catch (JsonException)
            {
                return JsonValue.Create(stdout);
            }
        }
    }

    /// <summary>The runtime part of a process tool's definition.</summary>
    private sealed record ProcessSpec(IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Files)
    {
        public static ProcessSpec Of(ToolDefinition definition)
        {
            var command = definition.Spec.TryGetProperty("command", out var c) ? c.EnumerateArray().Select(a => a.GetString() ?? "").ToList() : [];
            var files = definition.Spec.TryGetProperty("files", out var f)
                ? f.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal)
                : [];
            return new ProcessSpec(command, files);
        }
    }
}
