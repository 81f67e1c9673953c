using System.Text.Json;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Tools.V1;

namespace Mesh.Security.Tests.ToolExecution;

/// <summary>
/// Sandboxed tools under identity: a run's token reaches only its own run's workspace, and only
/// the tools of its scope; a tenant's registered tools are its own.
/// </summary>
public sealed class SandboxRunTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private async Task<string> RunTokenAsync(string userKey, string runId, params string[] tools) =>
        (await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { RunId = runId, Tools = { tools } },
        }, TestCalls.As(userKey))).Token;

    private async Task<JsonElement> ShellAsync(string credential, string command)
    {
        var response = await mesh.ToolsClient.InvokeToolAsync(
            new InvokeToolRequest { Tool = "shell", ArgumentsJson = JsonSerializer.Serialize(new { command }) }, TestCalls.As(credential));
        using var result = JsonDocument.Parse(response.ResultJson);
        return result.RootElement.Clone();
    }

    [Fact]
    public async Task InvokeTool_AgentTokenWithoutPython_PermissionDeniedThoughTheUserMay()
    {
        var (_, admin) = await mesh.CreateTenantAsync("py");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        var token = await RunTokenAsync(user, "run-1", "calculator");
        var request = new InvokeToolRequest { Tool = "python", ArgumentsJson = """{"code":"print(1)"}""" };

        await mesh.ToolsClient.InvokeToolAsync(request, TestCalls.As(user));
        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.InvokeToolAsync(request, TestCalls.As(token)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("scope does not include tool:python", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workspace_TwoRunsOfOneUser_EachSeesOnlyItsOwnFilesAndEndsOnlyItsOwnRun()
    {
        var (_, admin) = await mesh.CreateTenantAsync("runs");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        var first = await RunTokenAsync(user, "run-a", "shell");
        var second = await RunTokenAsync(user, "run-b", "shell");

        await ShellAsync(first, "echo from-a > a.txt");
        var seenBySecond = await ShellAsync(second, "ls -A; echo end");
        var seenByFirst = await ShellAsync(first, "cat a.txt");
        var endOther = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.EndRunAsync(new EndRunRequest { RunId = "run-a" }, TestCalls.As(second)).ResponseAsync);
        var endOwn = await mesh.ToolsClient.EndRunAsync(new EndRunRequest(), TestCalls.As(first));
        var byAdmin = await mesh.ToolsClient.EndRunAsync(new EndRunRequest { RunId = "run-b" }, TestCalls.As(admin));

        Assert.Equal("end\n", seenBySecond.GetProperty("stdout").GetString());
        Assert.Equal("from-a\n", seenByFirst.GetProperty("stdout").GetString());
        Assert.Equal(StatusCode.PermissionDenied, endOther.StatusCode);
        Assert.True(endOwn.Removed);
        Assert.True(byAdmin.Removed);
    }

    [Fact]
    public async Task RegisterTool_TenantAdmin_MembersRunItAndAnotherTenantNeitherSeesNorRunsIt()
    {
        var (_, admin) = await mesh.CreateTenantAsync("reg");
        var (_, member) = await mesh.CreateUserAsync(admin, "dave");
        var (_, otherAdmin) = await mesh.CreateTenantAsync("other");
        await mesh.ToolsClient.RegisterToolAsync(new RegisterToolRequest
        {
            Name = "upper",
            ArgumentsSchema = """{"type":"object","properties":{"text":{"type":"string"}}}""",
            Process = new ProcessRuntime { Command = { "python3", "/tool/upper.py" }, Files = { ["upper.py"] = "import json,sys; print(json.dumps(json.load(sys.stdin)['text'].upper()))" } },
        }, TestCalls.As(admin));

        var response = await mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest { Tool = "upper", ArgumentsJson = """{"text":"mesh"}""" }, TestCalls.As(member));
        var listedElsewhere = await mesh.ToolsClient.ListToolsAsync(new ListToolsRequest(), TestCalls.As(otherAdmin));
        var calledElsewhere = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest { Tool = "upper", ArgumentsJson = "{}" }, TestCalls.As(otherAdmin)).ResponseAsync);

        using var result = JsonDocument.Parse(response.ResultJson);
        Assert.Equal("MESH", result.RootElement.GetProperty("output").GetString());
        Assert.DoesNotContain(listedElsewhere.Tools, t => t.Name == "upper");
        Assert.Equal(StatusCode.NotFound, calledElsewhere.StatusCode);
    }
}
