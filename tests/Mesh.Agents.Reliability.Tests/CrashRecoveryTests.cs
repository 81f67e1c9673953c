using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.DevServers;
using Mesh.Usage.V1;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Mesh.Agents.Reliability.Tests;

/// <summary>
/// The embedded store under SIGKILL: 50 runs of a workflow with a model step, writes, a fan-out
/// of writes and a wait are in flight while the agents process is killed at random points 20
/// times and started again. Every run completes, the tool's own ledger holds each write exactly
/// once, and each run's steps and usage equal those of a run that was never interrupted.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class CrashRecoveryTests(MeshProcesses mesh, ITestOutputHelper output)
{
    private const int RunCount = 50;
    private const int Kills = 20;
    private const int TopUp = 10;
    private const int MaxKillAttempts = 60;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly string[] Entries = ["draft", "final", "part 1", "part 2", "part 3"];

    private static string Workflow(string name) => $$$"""
        name: {{{name}}}
        inputs: { type: object, properties: { topic: { type: string } }, required: [topic] }
        steps:
          - { id: think, kind: generate, model: tiny-gpt, prompt: "Notes on {{ inputs.topic }}:", maxTokens: 8, output: draft, next: record }
          - { id: record, kind: tool, tool: ledger_append, arguments: { run: "{{ run.id }}", entry: "draft", delayMs: 300 }, next: parts }
          - id: parts
            kind: parallel
            over: "[1, 2, 3]"
            concurrency: 2
            step: { kind: tool, tool: ledger_append, arguments: { run: "{{ run.id }}", entry: "part {{ item }}", delayMs: 300 } }
            next: approve
          - { id: approve, kind: wait, signal: approve, timeout: 10m, next: final }
          - { id: final, kind: tool, tool: ledger_append, arguments: { run: "{{ run.id }}", entry: "final", delayMs: 300 } }
        """;

    [Fact]
    public async Task Sigkill_TwentyTimesWhileFiftyRunsAreInFlight_EveryRunCompletesAndEachWriteHappensOnce()
    {
        var port = FreePort.Next();
        var store = Path.Combine(mesh.Directory, $"runs-{Guid.NewGuid():N}.db");
        var settings = new Dictionary<string, string>
        {
            ["Mesh__Agents__Runs__DatabasePath"] = store,
            ["Mesh__Agents__Runs__MaxConcurrentRuns"] = "6",
        };
        var agents = await mesh.StartAgentsAsync(port, settings);
        try
        {
            using var channel = MeshProcesses.Channel(port);
            var client = new V1.Agents.AgentsClient(channel);
            var name = $"crash-{Guid.NewGuid():N}"[..16];
            await client.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Workflow(name) }, MeshProcesses.Call());
            var ids = new List<string>();
            await StartRunsAsync(client, name, ids, RunCount);

            using var stop = new CancellationTokenSource();
            var signaller = SignalWaitingAsync(client, name, stop.Token);
            var random = new Random(20_26);
            var inFlightKills = 0;
            for (var attempt = 0; inFlightKills < Kills && attempt < MaxKillAttempts; attempt++)
            {
                await Task.Delay(random.Next(250, 1200));
                if (await UnfinishedAsync(client, name) == 0)
                {
                    // A fast machine finished every run before the kills were done: start more, so each kill meets work.
                    await StartRunsAsync(client, name, ids, TopUp);
                    continue;
                }

                agents.Kill();
                inFlightKills++;
                agents.Dispose();
                agents = await mesh.StartAgentsAsync(port, settings);
            }

            var runs = new List<Run>();
            foreach (var id in ids)
            {
                runs.Add(await Runs.UntilAsync(client, id, Runs.Ended, Timeout));
            }

            var reference = await Runs.RetryAsync(() => client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"topic\":\"durable runs\"}" }, MeshProcesses.Call()).ResponseAsync, Timeout);
            var expected = await Runs.UntilAsync(client, reference.RunId, Runs.Ended, Timeout);
            await stop.CancelAsync();
            await signaller;
            var usage = await UsageByRunAsync(store, [.. ids, reference.RunId]);
            var ledger = mesh.Ledger.Entries();
            output.WriteLine($"kills with runs in flight: {inFlightKills}; runs: {ids.Count}; writes answered from the tool's ledger after a restart: {mesh.Ledger.Replays}");

            Assert.True(inFlightKills >= Kills, $"only {inFlightKills} of {Kills} kills found runs in flight in {MaxKillAttempts} tries");
            Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
            Assert.Equal(RunStatus.Completed, expected.Status);
            foreach (var run in runs.Append(expected))
            {
                Assert.Equal(Entries, ledger.Where(e => e.Run == run.RunId).Select(e => e.Entry).Order(StringComparer.Ordinal));
                Assert.Equal(Ledger(expected), Ledger(run));
                Assert.Equal(usage[expected.RunId], usage[run.RunId]);
            }
        }
        finally
        {
            agents.Dispose();
        }
    }

    private static async Task StartRunsAsync(V1.Agents.AgentsClient client, string workflow, List<string> ids, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var request = new StartRunRequest { Workflow = workflow, InputsJson = "{\"topic\":\"durable runs\"}", ClientRequestId = $"{workflow}-{ids.Count}" };
            ids.Add((await Runs.RetryAsync(() => client.StartRunAsync(request, MeshProcesses.Call()).ResponseAsync, Timeout)).RunId);
        }
    }

    /// <summary>A run's steps as its ledger shows them: id, kind, what it used, tokens, status (results differ only by the ledger's row ids).</summary>
    private static List<string> Ledger(Run run) =>
        [.. run.Steps.Select(s => $"{s.StepId}|{s.Kind}|{s.Name}|{s.Status}|{s.InputTokens}|{s.OutputTokens}|{s.Attempts}")];

    /// <summary>Each run's usage events as committed with its steps: one per step, by step, kind, status and tokens.</summary>
    private static async Task<Dictionary<string, string>> UsageByRunAsync(string store, IReadOnlyList<string> runIds)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_id, payload FROM run_usage";
        var byRun = runIds.ToDictionary(id => id, _ => new List<string>(), StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var e = UsageEvent.Parser.ParseFrom((byte[])reader.GetValue(1));
            if (byRun.TryGetValue(reader.GetString(0), out var list))
            {
                list.Add($"{e.StepId}|{e.Kind}|{e.Resource}|{e.Status}|{e.Attributes.GetValueOrDefault("step.kind")}|{e.Attributes.GetValueOrDefault("step.input_tokens")}|{e.Attributes.GetValueOrDefault("step.output_tokens")}");
            }
        }

        return byRun.ToDictionary(p => p.Key, p => string.Join(";", p.Value.Order(StringComparer.Ordinal)), StringComparer.Ordinal);
    }

    private static async Task<int> UnfinishedAsync(V1.Agents.AgentsClient client, string workflow)
    {
        var runs = await Runs.RetryAsync(() => client.ListRunsAsync(new ListRunsRequest { Workflow = workflow, PageSize = 500 }, MeshProcesses.Call()).ResponseAsync, Timeout);
        return runs.Runs.Count(r => !Runs.Ended(r));
    }

    /// <summary>Approves every run that waits, as a person would, whether or not the service is up.</summary>
    private static async Task SignalWaitingAsync(V1.Agents.AgentsClient client, string workflow, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var waiting = await client.ListRunsAsync(new ListRunsRequest { Workflow = workflow, Status = RunStatus.Waiting, PageSize = 500 }, MeshProcesses.Call(TimeSpan.FromSeconds(5)));
                foreach (var run in waiting.Runs)
                {
                    await client.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "approve", PayloadJson = "true" }, MeshProcesses.Call(TimeSpan.FromSeconds(5)));
                }
            }
            catch (RpcException)
            {
                // Down, restarting, or the run moved on: try again.
            }

            try
            {
                await Task.Delay(150, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
