using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Tools.Idempotency;
using Mesh.Tools.Sandbox;
using Mesh.Tools.Sandbox.Workspaces;
using Mesh.Tools.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Bench;

/// <summary>
/// Tool calls from start to result over loopback gRPC: a no-op sandboxed process (and the sandbox
/// alone, in process, beside a plain fork and exec), an in-process tool, an idempotent repeat,
/// an MCP tool over stdio; and sandboxed runs per second with several callers.
/// </summary>
public sealed class ToolsBenchmark : IBenchmark
{
    private const int SandboxSamples = 200;
    private const int FastSamples = 2_000;
    private const int McpSamples = 500;
    private static readonly TimeSpan ThroughputWindow = TimeSpan.FromSeconds(5);

    public string Name => "tools";

    public string Description => "sandboxed no-op, in-process tool, idempotent repeat and MCP stdio call latency; sandboxed runs per second";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var host = await ToolsBenchHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(host.Address);
        var tools = new Tools.V1.Tools.ToolsClient(channel);
        var acme = new Metadata { { "authorization", $"Bearer {ToolsBenchHost.AcmeKey}" } };
        var environment = host.App.Services.GetRequiredService<SandboxEnvironment>();
        report.Note($"{Environment.ProcessorCount} cores; sandbox: bubblewrap + cgroups {environment.Cgroups?.Version ?? "unavailable: " + environment.Problem}");

        await tools.RegisterToolAsync(new RegisterToolRequest
        {
            Name = "noop",
            SideEffect = SideEffect.None,
            Process = new ProcessRuntime { Command = { "/bin/true" } },
        }, acme, cancellationToken: cancellationToken);
        var noop = new InvokeToolRequest { Tool = "noop", ArgumentsJson = "{}" };

        report.Note("a fork and exec of /bin/true from .NET, no sandbox (the floor)");
        Figures(report, "process_spawn", await MeasureAsync(SandboxSamples, async () =>
        {
            using var process = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
            await process.WaitForExitAsync(cancellationToken);
        }));

        report.Note("the sandbox alone, in process: cgroup, wrapper, setpriv, bubblewrap, /bin/true, stats");
        var runner = host.App.Services.GetRequiredService<SandboxRunner>();
        var workspaces = host.App.Services.GetRequiredService<WorkspaceStore>();
        var limits = host.App.Services.GetRequiredService<IOptions<SandboxOptions>>().Value.Resolve(null);
        Func<SandboxRunner, Func<Task>> runTrue = sandbox => async () =>
        {
            using var workspace = workspaces.Ephemeral();
            await sandbox.RunAsync(new SandboxRequest(["/bin/true"], [], workspace, null, limits, TimeSpan.FromSeconds(10)), cancellationToken);
        };
        Figures(report, "sandbox_inproc", await MeasureAsync(SandboxSamples, runTrue(runner)));

        report.Note("the same with the seccomp filter and without it, run in turns (the filter's cost, whatever the load)");
        var configured = host.App.Services.GetRequiredService<IOptions<SandboxOptions>>().Value;
        var unfilteredOptions = Options.Create(new SandboxOptions { Seccomp = false, Cgroups = configured.Cgroups, BwrapPath = configured.BwrapPath });
        using var unfilteredEnvironment = new SandboxEnvironment(unfilteredOptions, NullLogger<SandboxEnvironment>.Instance);
        using var unfiltered = new SandboxRunner(unfilteredOptions, unfilteredEnvironment, TimeProvider.System, NullLogger<SandboxRunner>.Instance);
        var (filteredMs, unfilteredMs) = await MeasureInTurnsAsync(SandboxSamples, runTrue(runner), runTrue(unfiltered));
        Figures(report, "sandbox_inproc_seccomp", filteredMs);
        Figures(report, "sandbox_inproc_no_seccomp", unfilteredMs);

        report.Note("a no-op sandboxed process tool over gRPC, start to result (authentication, validation, metering, sandbox)");
        Figures(report, "sandbox_noop", await MeasureAsync(SandboxSamples, () => tools.InvokeToolAsync(noop, acme, cancellationToken: cancellationToken).ResponseAsync));

        report.Note("an in-process tool (calculator) over gRPC");
        var calculator = new InvokeToolRequest { Tool = "calculator", ArgumentsJson = """{"expression":"(2+3)*4"}""" };
        Figures(report, "inprocess_tool", await MeasureAsync(FastSamples, () => tools.InvokeToolAsync(calculator, acme, cancellationToken: cancellationToken).ResponseAsync));

        report.Note("an idempotent repeat over gRPC: the stored result of an earlier call with the same key (the tool does not run)");
        var keyed = calculator.Clone();
        keyed.IdempotencyKey = $"bench-{Guid.NewGuid():N}";
        await tools.InvokeToolAsync(keyed, acme, cancellationToken: cancellationToken);
        Figures(report, "idempotent_repeat", await MeasureAsync(FastSamples, async () =>
        {
            var response = await tools.InvokeToolAsync(keyed, acme, cancellationToken: cancellationToken);
            if (!response.Replayed)
            {
                throw new InvalidOperationException("the repeat was not replayed");
            }
        }));
        var store = host.App.Services.GetRequiredService<IIdempotencyStore>();
        var fingerprint = RequestFingerprint.Of("calculator", "", System.Text.Json.JsonDocument.Parse(keyed.ArgumentsJson).RootElement);
        report.Note("the stored outcome's lookup alone, in process (SQLite)");
        Figures(report, "idempotent_lookup_inproc", await MeasureAsync(FastSamples, async () =>
        {
            _ = await store.PeekAsync("acme", keyed.IdempotencyKey, fingerprint, DateTimeOffset.UtcNow, cancellationToken) ?? throw new InvalidOperationException("no stored outcome");
        }), micro: true);

        report.Note("an MCP tool over stdio (server-everything's echo, in the sandbox) through InvokeTool");
        var servers = new McpServers.McpServersClient(channel);
        await servers.AddMcpServerAsync(new AddMcpServerRequest { Name = "everything", Stdio = new McpStdio { Command = { "mcp-server-everything" } } },
            acme, cancellationToken: cancellationToken);
        var echo = new InvokeToolRequest { Tool = "everything/echo", ArgumentsJson = """{"message":"hi"}""" };
        Figures(report, "mcp_stdio", await MeasureAsync(McpSamples, () => tools.InvokeToolAsync(echo, acme, cancellationToken: cancellationToken).ResponseAsync));

        foreach (var callers in new[] { 2, 4 })
        {
            report.Figure($"sandbox_runs_per_s_{callers}_callers", await ThroughputAsync(callers,
                () => tools.InvokeToolAsync(noop, acme, cancellationToken: cancellationToken).ResponseAsync, cancellationToken), "0.0");
        }
    }

    private static void Figures(BenchReport report, string name, List<double> milliseconds, bool micro = false)
    {
        milliseconds.Sort();
        var (suffix, scale) = micro ? ("_us", 1000.0) : ("_ms", 1.0);
        report.Figure($"{name}_p50{suffix}", BenchReport.Percentile(milliseconds, 50) * scale);
        report.Figure($"{name}_p99{suffix}", BenchReport.Percentile(milliseconds, 99) * scale);
    }

    /// <summary>Milliseconds of each of <paramref name="samples"/> sequential calls, after a tenth as many for warm-up.</summary>
    private static async Task<List<double>> MeasureAsync(int samples, Func<Task> call)
    {
        for (var i = 0; i < Math.Max(10, samples / 10); i++)
        {
            await call();
        }

        var measured = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            measured.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return measured;
    }

    /// <summary>Milliseconds of <paramref name="first"/> and <paramref name="second"/>, called in turns so both meet the same load.</summary>
    private static async Task<(List<double> First, List<double> Second)> MeasureInTurnsAsync(int samples, Func<Task> first, Func<Task> second)
    {
        var (a, b) = (new List<double>(samples), new List<double>(samples));
        for (var i = -Math.Max(10, samples / 10); i < samples; i++)
        {
            foreach (var (call, into) in new[] { (first, a), (second, b) })
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                if (i >= 0)
                {
                    into.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }

        return (a, b);
    }

    private static async Task<double> ThroughputAsync(int callers, Func<Task> call, CancellationToken cancellationToken)
    {
        var done = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            while (stopwatch.Elapsed < ThroughputWindow && !cancellationToken.IsCancellationRequested)
            {
                await call();
                Interlocked.Increment(ref done);
            }
        }));
        return done / stopwatch.Elapsed.TotalSeconds;
    }
}
