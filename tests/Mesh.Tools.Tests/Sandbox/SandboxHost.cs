using System.Text.Json;
using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.V1;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Sandbox;

/// <summary>Calls to sandboxed tools of a tools service in memory, as tenant acme, optionally within an agent run.</summary>
public static class SandboxCalls
{
    /// <summary>Admins may name the run a call belongs to (x-mesh-run); a run's own token carries it.</summary>
    public static CallOptions InRun(string runId, string tenant = "acme", TimeSpan? timeout = null)
    {
        var options = TestCalls.As(TestKeys.Admin, tenant, timeout);
        options.Headers!.Add("x-mesh-run", runId);
        return options;
    }

    public static async Task<JsonElement> InvokeAsync(ToolsFactory factory, string tool, object arguments, CallOptions? options = null)
    {
        var response = await new ToolsClient(factory.CreateChannel()).InvokeToolAsync(
            new InvokeToolRequest { Tool = tool, ArgumentsJson = JsonSerializer.Serialize(arguments) }, options ?? TestCalls.As(TestKeys.Acme));
        using var document = JsonDocument.Parse(response.ResultJson);
        return document.RootElement.Clone();
    }

    public static Task<JsonElement> ShellAsync(ToolsFactory factory, string command, CallOptions? options = null, int? timeoutMs = null) =>
        InvokeAsync(factory, "shell", timeoutMs is null ? new { command } : new { command, timeout_ms = timeoutMs }, options);

    public static Task<JsonElement> PythonAsync(ToolsFactory factory, string code, CallOptions? options = null, int? timeoutMs = null) =>
        InvokeAsync(factory, "python", timeoutMs is null ? new { code } : new { code, timeout_ms = timeoutMs }, options);

    public static string Stdout(this JsonElement result) => result.GetProperty("stdout").GetString()!;

    public static string Stderr(this JsonElement result) => result.GetProperty("stderr").GetString()!;

    public static int ExitCode(this JsonElement result) => result.GetProperty("exit_code").GetInt32();

    public static string KilledBy(this JsonElement result) => result.GetProperty("killed_by").GetString()!;
}
