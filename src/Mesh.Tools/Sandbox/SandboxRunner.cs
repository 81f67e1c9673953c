using System.ComponentModel;
using System.Diagnostics;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Sandbox.Cgroups;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox;

/// <summary>
/// Runs commands in sandboxes (see <see cref="SandboxCommand"/>) and supervises them: output kept
/// up to its limit, the wall clock enforced by killing every process of the run's cgroup, then
/// what the run used read from its cgroup (CPU time, peak memory, whether the kernel killed it
/// for memory). At most <see cref="SandboxOptions.MaxConcurrentRuns"/> run at once.
/// </summary>
public sealed partial class SandboxRunner : IDisposable
{
    private readonly SandboxOptions _options;
    private readonly SandboxEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly ILogger<SandboxRunner> _logger;
    private readonly SemaphoreSlim _slots;

    public SandboxRunner(IOptions<SandboxOptions> options, SandboxEnvironment environment, TimeProvider time, ILogger<SandboxRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _environment = environment;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentRuns, _options.MaxConcurrentRuns);
    }

    /// <exception cref="Grpc.Core.RpcException">FailedPrecondition when this machine cannot sandbox.</exception>
    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_environment.Problem is { } problem)
        {
            throw MeshErrors.FailedPrecondition($"sandboxed tools cannot run on this tools server: {problem}");
        }

        await _slots.WaitAsync(cancellationToken);
        try
        {
            var cgroup = _environment.Cgroups!.Create(CgroupFiles.GroupName("run"), request.Limits);
            try
            {
                return await SuperviseAsync(request, cgroup, cancellationToken);
            }
            finally
            {
                // Every process of the run is gone by now; removing its (empty) group can wait for the
                // kernel to finish with them off the caller's path.
                _ = Task.Run(cgroup.Dispose, CancellationToken.None);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// A sandbox for a long-lived program another component starts and talks to (an MCP server on
    /// stdio): its command line and its cgroup, which disposing kills and removes. No wall clock.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">FailedPrecondition when this machine cannot sandbox.</exception>
    public SandboxedProgram Prepare(SandboxRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_environment.Problem is { } problem)
        {
            throw MeshErrors.FailedPrecondition($"sandboxed programs cannot run on this tools server: {problem}");
        }

        var cgroup = _environment.Cgroups!.Create(CgroupFiles.GroupName("server"), request.Limits);
        return new SandboxedProgram(SandboxCommand.Shell, SandboxCommand.Arguments(_options, request, cgroup.ProcsFiles, _environment.Privileged, _environment.Seccomp?.Source), cgroup);
    }

    public void Dispose() => _slots.Dispose();

    private async Task<SandboxResult> SuperviseAsync(SandboxRequest request, ISandboxCgroup cgroup, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(SandboxCommand.Shell)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in SandboxCommand.Arguments(_options, request, cgroup.ProcsFiles, _environment.Privileged, _environment.Seccomp?.Source))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        var started = _time.GetTimestamp();
        using var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        using var exited = new ManualResetEventSlim();
        process.Exited += (_, _) => exited.Set();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw MeshErrors.FailedPrecondition($"the sandbox could not start: {ex.Message}");
        }

        var stdout = new OutputCollector(request.Limits.OutputBytes);
        var stderr = new OutputCollector(request.Limits.OutputBytes);
        var reading = Task.WhenAll(
            stdout.ReadAsync(process.StandardOutput.BaseStream, CancellationToken.None),
            stderr.ReadAsync(process.StandardError.BaseStream, CancellationToken.None));
        var feeding = FeedAsync(process.StandardInput.BaseStream, request.Stdin);

        // The wall clock is kept by a thread of its own, so a busy thread pool never delays the kill.
        var killedBy = await Task.Factory.StartNew(
            () => WaitOrKill(process, exited, cgroup, started, request.Timeout, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // A killed run ended when its group was empty (measured on the supervising thread, not when this continuation ran).
        var wall = killedBy.Stopped is { } stopped ? _time.GetElapsedTime(started, stopped) : _time.GetElapsedTime(started);
        await process.WaitForExitAsync(CancellationToken.None);
        // Whatever the program left behind (a daemonized child) goes with it.
        cgroup.Kill();
        await Task.WhenAll(reading, feeding).WaitAsync(TimeSpan.FromSeconds(5), _time, CancellationToken.None);
        var exitCode = killedBy.Reason.Length > 0 ? -1 : process.ExitCode;
        if (SandboxCommand.IsWrapperFailure(exitCode) && stderr.Text().StartsWith(SandboxCommand.WrapperMessage, StringComparison.Ordinal))
        {
            LogWrapperFailed(_logger, exitCode, stderr.Text());
            throw MeshErrors.FailedPrecondition($"the sandbox could not be set up before the tool ran: {stderr.Text().Trim()}");
        }

        var stats = cgroup.Read();
        var reason = stats.OomKills > 0 && killedBy.Reason.Length == 0 ? SandboxResult.Memory : killedBy.Reason;

        cancellationToken.ThrowIfCancellationRequested();
        return new SandboxResult(exitCode, stdout.Text(), stderr.Text(), stdout.Truncated, stderr.Truncated, reason,
            stats.CpuMs, stats.PeakMemoryBytes, wall);
    }

    /// <summary>Waits for the run to end; at its wall clock (or when the caller gives up) kills every process of it.</summary>
    private (string Reason, long? Stopped) WaitOrKill(
        Process process, ManualResetEventSlim exited, ISandboxCgroup cgroup, long started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The supervising thread wakes ahead of the busy work it watches (nice -20; root only, else a no-op).
        _ = Interop.SetPriority(0, Interop.GetThreadId(), -20);
        try
        {
            // A wait may wake a few milliseconds early (it counts whole milliseconds): the run gets its whole time.
            for (var remaining = timeout - _time.GetElapsedTime(started); remaining > TimeSpan.Zero; remaining = timeout - _time.GetElapsedTime(started))
            {
                if (exited.Wait(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), cancellationToken))
                {
                    return ("", null);
                }
            }

            if (process.HasExited)
            {
                return ("", null);
            }
        }
        catch (OperationCanceledException)
        {
            // the caller gave up: the run is stopped the same way
        }

        long? stopped = null;
        // Stopped when SIGKILL is pending on every process of the run: none runs another instruction of its own.
        cgroup.Kill(() => stopped = _time.GetTimestamp());
        if (!process.HasExited)
        {
            // Without the group (it was already empty) the wrapper is the last one left.
            process.Kill();
        }

        return (SandboxResult.WallClock, stopped);
    }

    /// <summary>Writes the program's input; a program that never reads it (or exits first) is not an error.</summary>
    private static async Task FeedAsync(Stream stdin, byte[] input)
    {
        try
        {
            if (input.Length > 0)
            {
                await stdin.WriteAsync(input);
            }

            await stdin.DisposeAsync();
        }
        catch (IOException)
        {
            // broken pipe: the program ended or closed its input
        }
    }

    [LoggerMessage(EventId = 61, Level = LogLevel.Error, Message = "The sandbox wrapper failed before the tool ran (exit {ExitCode}): {Message}")]
    private static partial void LogWrapperFailed(ILogger logger, int exitCode, string message);
}
