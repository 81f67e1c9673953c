using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;

namespace Mesh.Security.Tests;

/// <summary>An agent token without a tool in its scope cannot call it, even when the user behind it could.</summary>
public sealed class AgentScopeTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private static readonly InvokeToolRequest Multiply = new() { Tool = "calculator", ArgumentsJson = "{\"expression\":\"6*7\"}" };

    [Fact]
    public async Task InvokeTool_AgentTokenWithoutTheTool_PermissionDeniedThoughTheUserMay()
    {
        var (_, admin) = await mesh.CreateTenantAsync("scope");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { "clock" } },
        }, TestCalls.As(user));

        await mesh.ToolsClient.InvokeToolAsync(Multiply, TestCalls.As(user));
        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.InvokeToolAsync(Multiply, TestCalls.As(token.Token)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("scope does not include tool:calculator", error.Status.Detail, StringComparison.Ordinal);
        var audit = mesh.Tools.Usage.Events.Last(e => e.Kind == UsageKind.Audit && e.PrincipalId == "carol");
        Assert.Equal(("deny", "scope", "assistant"), (audit.Attributes["decision"], audit.Attributes["denied_by"], audit.AgentId));
    }

    [Fact]
    public async Task ListTools_AgentTokenScopedToOneTool_ListsOnlyThatToolWhileTheUserSeesAll()
    {
        var (_, admin) = await mesh.CreateTenantAsync("listing");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { "clock" } },
        }, TestCalls.As(user));

        var forAgent = await mesh.ToolsClient.ListToolsAsync(new ListToolsRequest(), TestCalls.As(token.Token));
        var forUser = await mesh.ToolsClient.ListToolsAsync(new ListToolsRequest(), TestCalls.As(user));

        Assert.Equal(["clock"], forAgent.Tools.Select(t => t.Name));
        Assert.Contains(forUser.Tools, t => t.Name == "calculator");
        Assert.Contains(forUser.Tools, t => t.Name == "clock");
    }

    [Fact]
    public async Task RunAgent_AgentTokenWithoutTheCalculator_RunRefusedAtTheToolCall()
    {
        var (_, admin) = await mesh.CreateTenantAsync("run");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { "clock" } },
        }, TestCalls.As(user));
        var agents = new Agents.V1.Agents.AgentsClient(mesh.Channel("agents"));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var run = agents.RunAgent(new RunAgentRequest { Input = "What is 6 * 7?" }, TestCalls.As(token.Token, timeout: TimeSpan.FromSeconds(120)));
            while (await run.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("tool:calculator", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_AgentTokenWithTheTool_RunsAsTheUserWithTheAgentAsActor()
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("actor");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { "calculator" }, RunId = "run-42" },
        }, TestCalls.As(user));

        await mesh.ToolsClient.InvokeToolAsync(Multiply, TestCalls.As(token.Token));

        var usage = mesh.Tools.Usage.Events.Single(e => e.Kind == UsageKind.ToolCall && e.TenantId == tenant);
        Assert.Equal(("carol", "assistant", "run-42"), (usage.PrincipalId, usage.AgentId, usage.RunId));
    }

    [Fact]
    public async Task RunAgent_UnscopedUserKey_DownstreamCallsUseARunTokenActingAsTheAgent()
    {
        var (_, admin) = await mesh.CreateTenantAsync("runtoken");
        var (keyId, user) = await mesh.CreateUserAsync(admin, "dave");
        var agents = new Agents.V1.Agents.AgentsClient(mesh.Channel("agents"));

        var events = new List<RunEvent>();
        using (var run = agents.RunAgent(new RunAgentRequest { Input = "What is 6 * 7?" }, TestCalls.As(user, timeout: TimeSpan.FromSeconds(120))))
        {
            await foreach (var runEvent in run.ResponseStream.ReadAllAsync())
            {
                events.Add(runEvent);
            }
        }

        Assert.Equal("6 * 7 = 42", events[^1].Completed.Answer);
        var runId = events[0].RunId;
        var toolAudit = mesh.Tools.Usage.Events.Single(e => e.Kind == UsageKind.Audit && e.Resource == "tool:calculator" && e.Attributes.GetValueOrDefault("run_id") == runId);
        var modelAudit = mesh.Inference.Usage.Events.Single(e => e.Kind == UsageKind.Audit && e.Attributes.GetValueOrDefault("run_id") == runId);
        foreach (var audit in new[] { toolAudit, modelAudit })
        {
            Assert.Equal(("dave", "assistant", "allow"), (audit.PrincipalId, audit.AgentId, audit.Attributes["decision"]));
            Assert.NotEqual(keyId, audit.Attributes["credential"]);
        }

        Assert.Equal(toolAudit.Attributes["credential"], modelAudit.Attributes["credential"]);
    }
}
