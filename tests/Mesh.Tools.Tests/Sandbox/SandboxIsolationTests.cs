using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mesh.Testing;
using Mesh.Tools.V1;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Sandbox;

/// <summary>
/// What a sandboxed program cannot do, each checked against what a program without the sandbox
/// would do: reach the network, resolve names, exhaust processes or memory, outlive its wall
/// clock, or read and write outside its workspace.
/// </summary>
public sealed class SandboxIsolationTests(ToolsFactory factory) : IClassFixture<ToolsFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Python_ConnectsToAServerOnTheHostsLoopback_RefusedAndNothingArrives()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var code = $$"""
            import socket
            for host in ("127.0.0.1", "localhost"):
                try:
                    socket.create_connection((host, {{port}}), timeout=2).sendall(b"leak")
                    print("connected", host)
                except OSError as e:
                    print("refused", host, type(e).__name__)
            """;

        var result = await SandboxCalls.PythonAsync(factory, code);

        Assert.Equal(0, result.ExitCode());
        Assert.DoesNotContain("connected", result.Stdout(), StringComparison.Ordinal);
        Assert.Contains("refused 127.0.0.1 ConnectionRefusedError", result.Stdout(), StringComparison.Ordinal);
        Assert.False(server.Pending(), "a connection from the sandbox reached the host's server");
    }

    [Fact]
    public async Task Python_ReachesOutsideTheMachineOrResolvesAName_Fails()
    {
        var code = """
            import socket
            try:
                print("resolved", socket.getaddrinfo("deb.debian.org", 443))
            except OSError as e:
                print("no dns", type(e).__name__)
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=2)
                print("connected out")
            except OSError as e:
                print("no route", type(e).__name__)
            """;

        var result = await SandboxCalls.PythonAsync(factory, code);

        Assert.Contains("no dns gaierror", result.Stdout(), StringComparison.Ordinal);
        Assert.Contains("no route", result.Stdout(), StringComparison.Ordinal);
        Assert.DoesNotContain("resolved", result.Stdout(), StringComparison.Ordinal);
        Assert.DoesNotContain("connected out", result.Stdout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_ForkBomb_HeldAtTheProcessLimitHostStaysResponsiveAndNothingOutlivesIt()
    {
        var marker = $"bomb-{Guid.NewGuid():N}";
        var watching = Stopwatch.StartNew();
        var bomb = InvokeAsync("shell", new { command = $"exec /bin/sh -c 'b() {{ b | b & }}; b & exec /bin/sleep 30' {marker}", timeout_ms = 6000 });
        var most = 0;
        var probed = false;
        while (!bomb.IsCompleted && watching.Elapsed < Patience)
        {
            most = Math.Max(most, HostProcesses.CountWith(marker));
            if (!probed && watching.Elapsed > TimeSpan.FromMilliseconds(800))
            {
                // The host still starts processes and answers other calls while the bomb runs (on two
                // busy cores that can take a few seconds, hence the bomb's 6 s).
                var probing = Stopwatch.StartNew();
                using var probe = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
                await probe.WaitForExitAsync().WaitAsync(Patience);
                var sum = await new ToolsClient(factory.CreateChannel()).InvokeToolAsync(
                    new InvokeToolRequest { Tool = "calculator", ArgumentsJson = """{"expression":"2+2"}""" }, TestCalls.As(TestKeys.Acme));
                Assert.Equal(0, probe.ExitCode);
                Assert.Contains("\"value\":4", sum.ResultJson, StringComparison.Ordinal);
                Assert.False(bomb.IsCompleted, $"the bomb ended before the host was probed (the probe took {probing.ElapsedMilliseconds} ms)");
                probed = true;
            }

            await Task.Delay(20);
        }

        var response = await bomb.WaitAsync(Patience);

        using var result = System.Text.Json.JsonDocument.Parse(response.ResultJson);
        Assert.True(probed, $"the bomb ended after {watching.ElapsedMilliseconds} ms: {response.ResultJson}");
        Assert.Contains("Cannot fork", result.RootElement.GetProperty("stderr").GetString(), StringComparison.Ordinal);
        Assert.InRange(most, 1, 64);
        Assert.Equal("wall_clock", response.Stats.KilledBy);
        Assert.Equal(0, HostProcesses.CountWith(marker));
    }

    [Fact]
    public async Task Python_AllocatesPastItsMemoryLimit_KilledAndReportedAsSuch()
    {
        var result = await SandboxCalls.PythonAsync(factory, "chunks = [b'x' * (16 << 20) for _ in range(40)]\nprint('allocated', len(chunks))");

        Assert.Equal("memory", result.KilledBy());
        Assert.NotEqual(0, result.ExitCode());
        Assert.DoesNotContain("allocated", result.Stdout(), StringComparison.Ordinal);
        Assert.InRange(result.GetProperty("peak_memory_bytes").GetInt64(), 200L << 20, 257L << 20);
    }

    [Fact]
    public async Task Shell_BusyLoops_StoppedAtTheWallClockWithinTenPercentAndGone()
    {
        var marker = $"busy-{Guid.NewGuid():N}";

        var response = await InvokeAsync("shell", new { command = $"exec /bin/sh -c 'while :; do :; done & while :; do :; done' {marker}", timeout_ms = 1500 });

        using var result = System.Text.Json.JsonDocument.Parse(response.ResultJson);
        Assert.Equal("wall_clock", response.Stats.KilledBy);
        Assert.Equal(-1, response.Stats.ExitCode);
        Assert.InRange(result.RootElement.GetProperty("wall_ms").GetDouble(), 1500, 1650);
        Assert.True(response.Stats.CpuMs > 0, "no CPU time measured");
        Assert.Equal(0, HostProcesses.CountWith(marker));
    }

    [Fact]
    public async Task Shell_PathTraversal_NeitherReadsNorWritesOutsideTheWorkspace()
    {
        var secret = $"secret-{Guid.NewGuid():N}";
        var outside = Path.Combine(factory.DataDirectory(), "outside");
        Directory.CreateDirectory(outside);
        var secretFile = Path.Combine(outside, "secret.txt");
        await File.WriteAllTextAsync(secretFile, secret);
        var run = $"run-{Guid.NewGuid():N}";
        var command = $"""
            cat ../secret.txt ../../outside/secret.txt ../../../outside/secret.txt ../../../../outside/secret.txt
            cat {secretFile} /proc/self/root{secretFile} /proc/1/root{secretFile} /proc/1/cwd/../outside/secret.txt
            ln -s {secretFile} link && cat link
            ln -s {outside} dirlink && cat dirlink/secret.txt
            ls {factory.DataDirectory()} /proc/1/root{factory.DataDirectory()}
            echo pwned > /usr/pwned; echo pwned > ../pwned; echo pwned > /etc/pwned; echo pwned > {outside}/pwned; echo pwned > dirlink/pwned
            echo done
            """;

        var result = await SandboxCalls.ShellAsync(factory, command, SandboxCalls.InRun(run));
        await new ToolsClient(factory.CreateChannel()).EndRunAsync(new EndRunRequest { RunId = run }, SandboxCalls.InRun(run));

        Assert.Equal("done\n", result.Stdout());
        Assert.DoesNotContain(secret, result.Stderr(), StringComparison.Ordinal);
        Assert.Equal([secretFile], Directory.GetFiles(outside));
        Assert.Equal(secret, await File.ReadAllTextAsync(secretFile));
        Assert.False(File.Exists("/usr/pwned"));
        Assert.Empty(Directory.GetFiles(factory.DataDirectory(), "pwned", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Shell_AnotherRunsWorkspace_Invisible()
    {
        var runA = $"run-{Guid.NewGuid():N}";
        var secret = $"secret-{Guid.NewGuid():N}";
        await SandboxCalls.ShellAsync(factory, $"echo {secret} > notes.txt", SandboxCalls.InRun(runA));

        var workspaces = Path.Combine(factory.DataDirectory(), "workspaces");
        var otherRun = await SandboxCalls.ShellAsync(factory, $"ls -A /workspace; ls -R {workspaces} /proc/1/root{workspaces} 2>/dev/null; grep -rs {secret} /tmp /workspace /proc/1/root/tmp; echo end",
            SandboxCalls.InRun($"run-{Guid.NewGuid():N}"));
        var otherTenant = await SandboxCalls.ShellAsync(factory, "ls -A /workspace; echo end", SandboxCalls.InRun(runA, tenant: "globex"));
        var noRun = await SandboxCalls.ShellAsync(factory, "ls -A /workspace; echo end");
        var sameRun = await SandboxCalls.ShellAsync(factory, "cat notes.txt", SandboxCalls.InRun(runA));

        Assert.Equal("end\n", otherRun.Stdout());
        Assert.Equal("end\n", otherTenant.Stdout());
        Assert.Equal("end\n", noRun.Stdout());
        Assert.Equal($"{secret}\n", sameRun.Stdout());
    }

    private Task<InvokeToolResponse> InvokeAsync(string tool, object arguments) =>
        new ToolsClient(factory.CreateChannel()).InvokeToolAsync(
            new InvokeToolRequest { Tool = tool, ArgumentsJson = System.Text.Json.JsonSerializer.Serialize(arguments) },
            TestCalls.As(TestKeys.Acme, timeout: Patience)).ResponseAsync;
}
