using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Security.Tests;

/// <summary>Durable runs under identity: budgets reserved step by step, the run's token scoped to what the workflow uses, tenants apart.</summary>
public sealed class WorkflowRunSecurityTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private Agents.V1.Agents.AgentsClient Agents => new(mesh.Channel("agents"));

    [Fact]
    public async Task StartRun_BudgetForTwoSteps_RunStopsWithResourceExhaustedAtTheStepItCannotCover()
    {
        var (_, admin) = await mesh.CreateTenantAsync("wfbudget");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        // The assistant is priced per step (0.0002); the steps' own model and tool calls cost little.
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { Scope = "user:carol", CostLimitUsd = "0.0003" }, TestCalls.As(admin));

        var run = await Agents.StartRunAsync(new StartRunRequest { Workflow = "assistant", InputsJson = "{\"question\":\"What is 6 * 7?\"}" }, TestCalls.As(user));
        var ended = await UntilEndedAsync(run.RunId, user);

        Assert.Equal((RunStatus.Failed, "RESOURCE_EXHAUSTED"), (ended.Status, ended.Error.Code));
        Assert.Contains("budget", ended.Error.Message, StringComparison.Ordinal);
        Assert.InRange(ended.StepsDone, 1, 4);
    }

    [Fact]
    public async Task StartRun_UnscopedUser_DownstreamCallsCarryATokenScopedToTheWorkflowsToolsAndModels()
    {
        var (_, admin) = await mesh.CreateTenantAsync("wfscope");
        var (keyId, user) = await mesh.CreateUserAsync(admin, "dave");

        var run = await Agents.StartRunAsync(new StartRunRequest { Workflow = "assistant", InputsJson = "{\"question\":\"What is 6 * 7?\"}" }, TestCalls.As(user));
        var ended = await UntilEndedAsync(run.RunId, user);

        Assert.Equal(RunStatus.Completed, ended.Status);
        var toolAudit = mesh.Tools.Usage.Events.Single(e => e.Kind == UsageKind.Audit && e.Resource == "tool:calculator" && e.Attributes.GetValueOrDefault("run_id") == run.RunId);
        Assert.Equal(("dave", "assistant", "allow"), (toolAudit.PrincipalId, toolAudit.AgentId, toolAudit.Attributes["decision"]));
        Assert.NotEqual(keyId, toolAudit.Attributes["credential"]);

        // One run token for the model call and the tool call, minted for the run, not the user's key.
        var inference = mesh.Inference.Usage.Events.Single(e => e.Kind == UsageKind.Audit && e.Attributes.GetValueOrDefault("run_id") == run.RunId);
        Assert.Equal(toolAudit.Attributes["credential"], inference.Attributes["credential"]);
    }

    [Fact]
    public async Task GetRun_AnotherTenant_NotFoundAndCannotSignalOrCancel()
    {
        var (_, adminA) = await mesh.CreateTenantAsync("wfa");
        var (_, adminB) = await mesh.CreateTenantAsync("wfb");
        await Agents.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = "name: hold\nsteps:\n  - { id: wait, kind: wait, signal: go }\n" }, TestCalls.As(adminA));
        var run = await Agents.StartRunAsync(new StartRunRequest { Workflow = "hold" }, TestCalls.As(adminA));

        var get = await Assert.ThrowsAsync<RpcException>(() => Agents.GetRunAsync(new GetRunRequest { RunId = run.RunId }, TestCalls.As(adminB)).ResponseAsync);
        var cancel = await Assert.ThrowsAsync<RpcException>(() => Agents.CancelRunAsync(new CancelRunRequest { RunId = run.RunId }, TestCalls.As(adminB)).ResponseAsync);
        var start = await Assert.ThrowsAsync<RpcException>(() => Agents.StartRunAsync(new StartRunRequest { Workflow = "hold" }, TestCalls.As(adminB)).ResponseAsync);
        var list = await Agents.ListRunsAsync(new ListRunsRequest(), TestCalls.As(adminB));

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound, StatusCode.NotFound), (get.StatusCode, cancel.StatusCode, start.StatusCode));
        Assert.DoesNotContain(list.Runs, r => r.RunId == run.RunId);
        await Agents.CancelRunAsync(new CancelRunRequest { RunId = run.RunId }, TestCalls.As(adminA));
    }

    private async Task<Run> UntilEndedAsync(string runId, string key)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var run = await Agents.GetRunAsync(new GetRunRequest { RunId = runId }, TestCalls.As(key));
            if (run.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled)
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {runId} is still {run.Status}");
            await Task.Delay(100);
        }
    }
}
