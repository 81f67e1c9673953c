using System.Diagnostics;
using Mesh.Agents.V1;
using Mesh.DevServers;

namespace Mesh.Bench;

/// <summary>
/// The cost of durability per step (a no-op step, p50/p99, SQLite and PostgreSQL), steps and
/// runs per second of a 10-step workflow with 64 runs at once, and the time from a SIGKILL to
/// the run going on again (embedded: restart; distributed: lease takeover by another replica).
/// </summary>
public sealed class WorkflowsBenchmark : IBenchmark
{
    private const int LoopSteps = 3_000;
    private const int ThroughputRuns = 1_280;
    private const int Concurrency = 64;

    public string Name => "workflows";

    public string Description => "no-op step p50/p99 on SQLite and PostgreSQL, steps/s and runs/s (10-step workflow, 64 runs at once), resume after SIGKILL";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var directory = Path.Combine(Path.GetTempPath(), $"mesh-bench-workflows-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            report.Note($"SQLite on {directory} (disk), WAL, synchronous=NORMAL (the default: a SIGKILL never loses a committed step; power loss may lose the last ones)");
            await using (var host = await AgentsBenchHost.StartAsync(Path.Combine(directory, "normal.db"), null))
            {
                Latency(report, "step_noop_sqlite", await LoopAsync(host, cancellationToken));
                report.Note($"{ThroughputRuns} runs of 10 no-op steps, {Concurrency} at once, one agents process, SQLite synchronous=NORMAL");
                await ThroughputAsync(report, host, cancellationToken);
            }

            report.Note("SQLite synchronous=FULL (an fsync per group commit: survives power loss too)");
            await using (var host = await AgentsBenchHost.StartAsync(Path.Combine(directory, "full.db"), null, "full"))
            {
                Latency(report, "step_noop_sqlite_full", await LoopAsync(host, cancellationToken));
            }

            report.Note("PostgreSQL 15 on 127.0.0.1, data on disk, fsync=on, synchronous_commit=on (its defaults)");
            await using var postgres = await LocalPostgres.StartAsync(durable: true, cancellationToken);
            await using (var host = await AgentsBenchHost.StartAsync(null, postgres.ConnectionString))
            {
                Latency(report, "step_noop_postgres", await LoopAsync(host, cancellationToken));
            }

            await new ResumeProbe(directory, postgres).RunAsync(report, cancellationToken);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // left for the temp folder's cleanup
            }
        }
    }

    /// <summary>One run looping through no-op steps: the gaps between its commits.</summary>
    private static async Task<List<double>> LoopAsync(AgentsBenchHost host, CancellationToken cancellationToken)
    {
        var name = $"loop-{Guid.NewGuid():N}"[..14];
        await host.Client.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Workloads.Loop(name) }, AgentsBenchHost.Headers, cancellationToken: cancellationToken);
        var run = await host.Client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = $"{{\"n\":{LoopSteps / 2}}}" }, AgentsBenchHost.Headers, cancellationToken: cancellationToken);
        await UntilAsync(() => host.Store.Commits.TryGetValue(run.RunId, out var c) && c.Count >= LoopSteps, cancellationToken);
        var stamps = host.Store.Commits[run.RunId].ToArray();
        var gaps = new List<double>();
        for (var i = 100; i < stamps.Length; i++)
        {
            gaps.Add(Stopwatch.GetElapsedTime(stamps[i - 1], stamps[i]).TotalMilliseconds);
        }

        gaps.Sort();
        return gaps;
    }

    private static async Task ThroughputAsync(BenchReport report, AgentsBenchHost host, CancellationToken cancellationToken)
    {
        var name = $"ten-{Guid.NewGuid():N}"[..14];
        await host.Client.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Workloads.Ten(name) }, AgentsBenchHost.Headers, cancellationToken: cancellationToken);
        var before = host.Store.Commits.Values.Sum(c => c.Count);
        var started = Stopwatch.GetTimestamp();
        using var gate = new SemaphoreSlim(Concurrency);
        var starts = Enumerable.Range(0, ThroughputRuns).Select(async _ =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var run = await host.Client.StartRunAsync(new StartRunRequest { Workflow = name }, AgentsBenchHost.Headers, cancellationToken: cancellationToken);
                await UntilAsync(() => host.Store.Commits.TryGetValue(run.RunId, out var c) && c.Count >= 10, cancellationToken, TimeSpan.FromMilliseconds(5));
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(starts);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var steps = host.Store.Commits.Values.Sum(c => c.Count) - before;
        report.Figure("steps_per_s", steps / seconds, "0");
        report.Figure("runs_per_s", ThroughputRuns / seconds, "0");
    }

    private static void Latency(BenchReport report, string name, List<double> gaps)
    {
        report.Figure($"{name}_p50_ms", BenchReport.Percentile(gaps, 50));
        report.Figure($"{name}_p99_ms", BenchReport.Percentile(gaps, 99));
    }

    internal static async Task UntilAsync(Func<bool> done, CancellationToken cancellationToken, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the benchmark's runs did not finish within 5 minutes");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }
}
