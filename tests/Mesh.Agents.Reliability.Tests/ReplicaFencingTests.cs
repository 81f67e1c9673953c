using Mesh.Agents.V1;
using Mesh.DevServers;
using Xunit.Abstractions;

namespace Mesh.Agents.Reliability.Tests;

/// <summary>
/// Distributed mode: two agents replicas on one PostgreSQL. A replica that stops answering
/// (SIGSTOP) mid-step loses its leases; the other takes its runs over once they expire and
/// finishes them; when the first wakes up, its late commits are refused by the fencing token,
/// so no step is recorded twice and no write happens twice.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ReplicaFencingTests(MeshProcesses mesh, ITestOutputHelper output)
{
    private const int RunCount = 6;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ReplicaStopsMidStep_OtherTakesOverAfterTheLease_LateCommitsFencedAndNothingTwice()
    {
        await using var postgres = await LocalPostgres.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var settings = new Dictionary<string, string>
        {
            ["Mesh__Agents__Runs__Store"] = "postgres",
            ["ConnectionStrings__agents-db"] = postgres.ConnectionString,
            ["Mesh__Agents__Runs__LeaseDuration"] = "00:00:02",
        };
        var (portA, portB) = (FreePort.Next(), FreePort.Next());
        using var a = await mesh.StartAgentsAsync(portA, settings);
        using var channelA = MeshProcesses.Channel(portA);
        var clientA = new V1.Agents.AgentsClient(channelA);
        var name = $"fenced-{Guid.NewGuid():N}"[..16];
        await clientA.CreateWorkflowAsync(new CreateWorkflowRequest
        {
            Definition = $$$"""
                name: {{{name}}}
                steps:
                  - { id: slow, kind: tool, tool: ledger_append, arguments: { run: "{{ run.id }}", entry: "slow", delayMs: 4000 }, next: after }
                  - { id: after, kind: tool, tool: ledger_append, arguments: { run: "{{ run.id }}", entry: "after" } }
                """,
        }, MeshProcesses.Call());
        var ids = new List<string>();
        for (var i = 0; i < RunCount; i++)
        {
            ids.Add((await clientA.StartRunAsync(new StartRunRequest { Workflow = name }, MeshProcesses.Call())).RunId);
        }

        // A holds every run, its writes are done and their answers are on the way: A stops there.
        await WaitForAsync(() => mesh.Ledger.Entries().Count(e => ids.Contains(e.Run)) == RunCount);
        MeshProcesses.Signal(a, "STOP");
        using var b = await mesh.StartAgentsAsync(portB, settings);
        using var channelB = MeshProcesses.Channel(portB);
        var clientB = new V1.Agents.AgentsClient(channelB);
        var runs = new List<Run>();
        foreach (var id in ids)
        {
            runs.Add(await Runs.UntilAsync(clientB, id, Runs.Ended, Timeout));
        }

        MeshProcesses.Signal(a, "CONT");
        var fenced = await a.WaitForLineAsync(l => l.Contains("Fenced", StringComparison.Ordinal) || l.Contains("lost its lease", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await Task.Delay(1000);
        output.WriteLine($"replica A after waking: {fenced.Trim()}");

        var ledger = mesh.Ledger.Entries();
        foreach (var run in runs)
        {
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(["after", "slow"], ledger.Where(e => e.Run == run.RunId).Select(e => e.Entry).Order(StringComparer.Ordinal));
            var again = await clientB.GetRunAsync(new GetRunRequest { RunId = run.RunId }, MeshProcesses.Call());
            Assert.Equal(["slow", "after"], again.Steps.Select(s => s.StepId));
            Assert.All(again.Steps, s => Assert.Equal("completed", s.Status));
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }
}
