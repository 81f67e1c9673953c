using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox;

/// <summary>The built-in <c>python</c> tool: a Python 3 snippet with the standard library, no network, in the sandbox.</summary>
public sealed class PythonTool(SandboxedCall sandbox, IOptions<SandboxOptions> options) : ITool
{
    public const string Name = "python";

    public ToolDescriptor Descriptor { get; } = SandboxTools.Describe(Name, options.Value,
        "Runs a Python 3 program (standard library only, no network) in a sandbox and returns its exit code, stdout and stderr. "
        + "Files written under /workspace stay there for the next step of the same agent run.",
        "code", "Python 3 source code; print the answer", 64 * 1024);

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var python = options.Value.PythonPath;
        if (!File.Exists(python))
        {
            throw MeshErrors.FailedPrecondition($"the python tool needs {python} on the tools server (the sandbox sees the host's /usr read-only): apt-get install -y python3");
        }

        var (stdin, timeout) = SandboxTools.Common(arguments, Descriptor);
        var result = await sandbox.RunAsync([python, "-I", "-c", arguments.GetProperty("code").GetString()!], stdin, null,
            options.Value.Resolve(Descriptor.Limits), timeout, cancellationToken);
        return result.ToJson();
    }
}

/// <summary>The built-in <c>shell</c> tool: one <c>/bin/sh</c> command line in the sandbox.</summary>
public sealed class ShellTool(SandboxedCall sandbox, IOptions<SandboxOptions> options) : ITool
{
    public const string Name = "shell";

    public ToolDescriptor Descriptor { get; } = SandboxTools.Describe(Name, options.Value,
        "Runs a /bin/sh command line (Debian's tools, read-only; no network) in a sandbox and returns its exit code, stdout and stderr. "
        + "The working folder /workspace is kept for the next step of the same agent run.",
        "command", "the command line, e.g. ls -la && wc -l *.csv", 16 * 1024);

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var (stdin, timeout) = SandboxTools.Common(arguments, Descriptor);
        var result = await sandbox.RunAsync(["/bin/sh", "-c", arguments.GetProperty("command").GetString()!], stdin, null,
            options.Value.Resolve(Descriptor.Limits), timeout, cancellationToken);
        return result.ToJson();
    }
}

/// <summary>What the built-in sandboxed tools share: their schema and the arguments every one takes.</summary>
internal static class SandboxTools
{
    /// <summary>Billed per call and per CPU-second of the sandbox.</summary>
    public const string PriceClass = "sandbox";

    public static ToolDescriptor Describe(string name, SandboxOptions options, string description, string field, string fieldDescription, int maxLength)
    {
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                [field] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = maxLength, ["description"] = fieldDescription },
                ["stdin"] = new JsonObject { ["type"] = "string", ["maxLength"] = 1024 * 1024, ["description"] = "standard input of the program" },
                ["timeout_ms"] = new JsonObject
                {
                    ["type"] = "integer",
                    ["minimum"] = 100,
                    ["maximum"] = (long)options.DefaultTimeout.TotalMilliseconds,
                    ["description"] = "a wall-clock limit shorter than the tool's",
                },
            },
            ["required"] = new JsonArray(field),
            ["additionalProperties"] = false,
        };
        return new ToolDescriptor(name, "1.0.0", description, schema.ToJsonString(), options.DefaultTimeout, SideEffect.Write)
        {
            PriceClass = PriceClass,
            Limits = options.Resolve(null),
        };
    }

    public static (byte[] Stdin, TimeSpan Timeout) Common(JsonElement arguments, ToolDescriptor descriptor)
    {
        var stdin = arguments.TryGetProperty("stdin", out var text) ? Encoding.UTF8.GetBytes(text.GetString() ?? "") : [];
        var timeout = arguments.TryGetProperty("timeout_ms", out var ms)
            ? TimeSpan.FromMilliseconds(ms.GetInt64())
            : descriptor.Timeout;
        return (stdin, timeout <= descriptor.Timeout ? timeout : descriptor.Timeout);
    }

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
