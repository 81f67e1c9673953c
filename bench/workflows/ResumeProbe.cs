using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Agents.V1;
using Mesh.DevServers;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mesh.Bench;

/// <summary>
/// The time from a SIGKILL of the agents process running a run to the run's next committed
/// step: embedded, the process is started again on its SQLite file; distributed, a second
/// replica on the same PostgreSQL takes the run over once the lease expires.
/// </summary>
public sealed class ResumeProbe(string directory, LocalPostgres postgres)
{
    private const string Key = "bench-agents-key-0123456789abcdef0123456789";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private readonly int _deadPort = FreePort.Next();

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sqlite = Path.Combine(directory, "resume.db");
        report.Note("resume after SIGKILL, embedded: the agents process started again on its SQLite file (includes .NET start-up)");
        var port = FreePort.Next();
        var settings = new Dictionary<string, string> { ["Mesh__Agents__Runs__DatabasePath"] = sqlite };
        var process = await StartAsync(port, settings);
        try
        {
            var runId = await StartLoopAsync(port, cancellationToken);
            await Task.Delay(1500, cancellationToken);
            var killed = Stopwatch.GetTimestamp();
            process.Kill();
            process.Dispose();
            var atKill = SqliteSeq(sqlite, runId);
            process = await StartAsync(port, settings);
            await WorkflowsBenchmark.UntilAsync(() => SqliteSeq(sqlite, runId) > atKill, cancellationToken);
            report.Figure("resume_after_kill_s", Stopwatch.GetElapsedTime(killed).TotalSeconds, "0.00");
        }
        finally
        {
            process.Dispose();
        }

        report.Note($"resume after SIGKILL, distributed: two replicas on PostgreSQL, lease {Lease.TotalSeconds:0} s; the other replica takes the run over (aim: lease + 1 s)");
        var postgresSettings = new Dictionary<string, string>
        {
            ["Mesh__Agents__Runs__Store"] = "postgres",
            ["ConnectionStrings__agents-db"] = postgres.ConnectionString,
            ["Mesh__Agents__Runs__LeaseDuration"] = Lease.ToString(),
        };
        var (portA, portB) = (FreePort.Next(), FreePort.Next());
        using var a = await StartAsync(portA, postgresSettings);
        using var b = await StartAsync(portB, postgresSettings);
        var loop = await StartLoopAsync(portA, cancellationToken);
        await Task.Delay(1500, cancellationToken);
        var owner = await PostgresAsync("SELECT lease_owner FROM runs WHERE id = $1", loop);
        var holder = owner.Contains($"/{a.Id}/", StringComparison.Ordinal) ? a : b;
        var stopped = Stopwatch.GetTimestamp();
        holder.Kill();
        var seqAtKill = long.Parse(await PostgresAsync("SELECT last_seq::text FROM runs WHERE id = $1", loop), System.Globalization.CultureInfo.InvariantCulture);
        await WorkflowsBenchmark.UntilAsync(() => long.Parse(PostgresAsync("SELECT last_seq::text FROM runs WHERE id = $1", loop).GetAwaiter().GetResult(), System.Globalization.CultureInfo.InvariantCulture) > seqAtKill, cancellationToken, TimeSpan.FromMilliseconds(20));
        report.Note($"killed the replica holding the run ({(holder == a ? "A" : "B")}, lease owner {owner})");
        report.Figure("resume_after_kill_postgres_s", Stopwatch.GetElapsedTime(stopped).TotalSeconds, "0.00");
        report.Figure("lease_s", Lease.TotalSeconds, "0");
    }

    private async Task<string> PostgresAsync(string sql, string runId)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static long SqliteSeq(string path, string runId)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_seq FROM runs WHERE id = $id";
        command.Parameters.AddWithValue("$id", runId);
        return (long)(command.ExecuteScalar() ?? 0L);
    }

    private static async Task<string> StartLoopAsync(int port, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new Agents.V1.Agents.AgentsClient(channel);
        var headers = new Metadata { { "authorization", $"Bearer {Key}" } };
        var name = $"resume-{Guid.NewGuid():N}"[..14];
        await client.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Workloads.Loop(name) }, headers, cancellationToken: cancellationToken);
        var run = await client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"n\":40000}" }, headers, cancellationToken: cancellationToken);
        return run.RunId;
    }

    private async Task<ChildProcess> StartAsync(int port, Dictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__http__Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel__Endpoints__health__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Mesh__BootstrapApiKey"] = "bench-admin-key-0123456789abcdef0123456789",
            ["Mesh__ApiKeys__0__Key"] = Key,
            ["Mesh__ApiKeys__0__Tenant"] = "acme",
            ["Mesh__ApiKeys__0__Principal"] = "alice",
            ["Mesh__Authorization__Mode"] = "Credentials",
            ["Mesh__Service__Key"] = "bench-service-key-agents-0123456789abcdef",
            ["services__telemetry__http__0"] = $"http://127.0.0.1:{_deadPort}",
            ["services__identity__http__0"] = $"http://127.0.0.1:{_deadPort}",
            ["services__inference__http__0"] = $"http://127.0.0.1:{_deadPort}",
            ["services__tools__http__0"] = $"http://127.0.0.1:{_deadPort}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging__LogLevel__Mesh.Metering"] = "None",
            ["OTEL_SDK_DISABLED"] = "true",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var process = ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Agents", typeof(ResumeProbe).Assembly), [], environment);
        await process.WaitForLineAsync(l => l.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
        return process;
    }
}
