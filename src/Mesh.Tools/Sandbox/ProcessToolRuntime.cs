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
    private static readonly string[] SearchPath = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

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

        if (ProgramProblem(spec.Command[0], spec.Files) is { } programProblem)
        {
            yield return ("process.command", programProblem);
        }
    }

    public ITool Create(ToolDefinition definition) => new ProcessTool(definition, ProcessSpec.Of(definition), sandbox, files, options.Value);

    /// <summary>Why the sandbox may not run <paramref name="program"/>, or null.</summary>
    private string? ProgramProblem(string program, IReadOnlyDictionary<string, string> toolFiles)
    {
        var name = Path.GetFileName(program);
        if (options.Value.DeniedCommands.Contains(name, StringComparer.Ordinal))
        {
            return $"'{program}' is not allowed in the sandbox (it manages privileges, namespaces or mounts)";
        }

        if (program.StartsWith("/tool/", StringComparison.Ordinal))
        {
            return toolFiles.ContainsKey(program["/tool/".Length..]) ? null : $"'{program}' is not one of the tool's files ({string.Join(", ", toolFiles.Keys)})";
        }

        var host = program.StartsWith('/') ? program : SearchPath.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        if (host is null || !File.Exists(host))
        {
            return $"'{program}' is not an executable of the sandbox's system (it sees /usr read-only) nor one of the tool's files under /tool/";
        }

        if (!host.StartsWith("/usr/", StringComparison.Ordinal) && !SearchPath.Any(d => host.StartsWith(d + "/", StringComparison.Ordinal)))
        {
            return $"'{program}' is outside the sandbox's system view (/usr, /bin, /sbin) and not under /tool/";
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(host);
            if ((mode & (UnixFileMode.SetUser | UnixFileMode.SetGroup)) != 0)
            {
                return $"'{program}' is set-user-id or set-group-id, which is not allowed in the sandbox";
            }

            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                return $"'{program}' is not executable by the sandbox's unprivileged user";
            }
        }

        return null;
    }

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
