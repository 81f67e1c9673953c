using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.DevServers;

namespace Mesh.Agents.Reliability.Tests;

/// <summary>Cancel and wait timeouts against real processes: a cancelled run stops its running step at once and compensates; a signal that never comes times out.</summary>
[Collection(ProcessCollection.Name)]
public sealed class CancelAndTimeoutTests(MeshProcesses mesh)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task CancelRun_DuringASlowWrite_StepStopsNothingWrittenAndEarlierWriteCompensated()
    {
        var port = FreePort.Next();
        using var agents = await mesh.StartAgentsAsync(port, new Dictionary<string, string> { ["Mesh__Agents__Runs__DatabasePath"] = Path.Combine(mesh.Directory, $"cancel-{Guid.NewGuid():N}.db") });
        using var channel = MeshProcesses.Channel(port);
        var client = new V1.Agents.AgentsClient(channel);
        var name = $"cancel-{Guid.NewGuid():N}"[..16];
        await client.CreateWorkflowAsync(new CreateWorkflowRequest
        {
            Definition = $$$"""
                name: {{{name}}}
                steps:
                  - id: reserve
                    kind: tool
                    tool: ledger_append
                    arguments: { run: "{{ run.id }}", entry: "reserve" }
                    compensate: { kind: tool, tool: ledger_append, arguments: { run: "{{ run.id }}", entry: "release {{ result.id }}" } }
                    next: slow
                  - { id: slow, kind: tool, tool: ledger_append, arguments: { run: "{{ run.id }}", entry: "slow", holdMs: 20000 } }
                """,
        }, MeshProcesses.Call());
        var run = await client.StartRunAsync(new StartRunRequest { Workflow = name }, MeshProcesses.Call());
        await Runs.UntilAsync(client, run.RunId, r => r.Steps.Any(s => s.StepId == "slow"), Timeout);
        var started = DateTime.UtcNow;

        await client.CancelRunAsync(new CancelRunRequest { RunId = run.RunId, Reason = "stop" }, MeshProcesses.Call());
        var cancelled = await Runs.UntilAsync(client, run.RunId, Runs.Ended, Timeout);

        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "the running step was not stopped");
        var entries = mesh.Ledger.Entries().Where(e => e.Run == run.RunId).Select(e => e.Entry).ToList();
        Assert.Equal("reserve", entries[0]);
        Assert.StartsWith("release ", entries[1], StringComparison.Ordinal);
        Assert.Equal(2, entries.Count);
    }

    [Fact]
    public async Task WaitStep_SignalNeverComes_RunFailsWithDeadlineExceededAfterItsTimeout()
    {
        var port = FreePort.Next();
        using var agents = await mesh.StartAgentsAsync(port, new Dictionary<string, string> { ["Mesh__Agents__Runs__DatabasePath"] = Path.Combine(mesh.Directory, $"wait-{Guid.NewGuid():N}.db") });
        using var channel = MeshProcesses.Channel(port);
        var client = new V1.Agents.AgentsClient(channel);
        var name = $"wait-{Guid.NewGuid():N}"[..16];
        await client.CreateWorkflowAsync(new CreateWorkflowRequest
        {
            Definition = $$$"""
                name: {{{name}}}
                steps:
                  - { id: approve, kind: wait, signal: approve, timeout: 1s }
                """,
        }, MeshProcesses.Call());

        var run = await client.StartRunAsync(new StartRunRequest { Workflow = name }, MeshProcesses.Call());
        var ended = await Runs.UntilAsync(client, run.RunId, Runs.Ended, Timeout);

        // The run's history, not a poll of its status: on a slow machine the second of waiting can pass between two polls.
        var history = new List<RunEvent>();
        using (var watch = client.WatchRun(new WatchRunRequest { RunId = run.RunId }, MeshProcesses.Call()))
        {
            await foreach (var runEvent in watch.ResponseStream.ReadAllAsync())
            {
                history.Add(runEvent);
            }
        }

        var waiting = Assert.Single(history, e => e.Waiting is not null).Waiting;
        Assert.Equal(("approve", "approve"), (waiting.StepId, waiting.Signal));
        Assert.NotNull(history[^1].Failed);
        Assert.Equal((RunStatus.Failed, "DEADLINE_EXCEEDED"), (ended.Status, ended.Error.Code));
        Assert.Contains("did not arrive within 1s", ended.Error.Message, StringComparison.Ordinal);
    }
}
