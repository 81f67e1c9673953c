using System.Collections.Concurrent;
using System.Diagnostics;

namespace Mesh.DevServers;

/// <summary>
/// A .NET program run as a child process with its own environment, its output kept for
/// diagnostics. Killed (SIGKILL) on dispose or on demand.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Lock _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    /// <summary>The usage spool a Mesh service gets when the caller names none: its own, removed with the process.</summary>
    private const string SpoolSetting = "Mesh__Usage__Spool__Directory";
    private string? _ownSpool;

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Received(e.Data);
        _process.ErrorDataReceived += (_, e) => Received(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process printed (stdout and stderr), oldest first.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts <c>dotnet <paramref name="assembly"/> <paramref name="arguments"/></c>. A Mesh service
    /// whose environment names no usage spool gets a scratch one, so a test never leaves usage in
    /// the user's spool for a later run to deliver; a test that restarts a service and needs what
    /// it spooled names the folder itself.
    /// </summary>
    public static ChildProcess StartDotnet(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        string? ownSpool = null;
        if (!environment.ContainsKey(SpoolSetting))
        {
            ownSpool = Path.Combine(Path.GetTempPath(), "mesh-child-spool", Guid.NewGuid().ToString("N"));
            start.Environment[SpoolSetting] = ownSpool;
        }

        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}")) { _ownSpool = ownSpool };
    }

    /// <summary>Waits for an output line matching <paramref name="match"/> (already printed or to come).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        TaskCompletionSource<string> seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var already = _output.FirstOrDefault(match);
            if (already is not null)
            {
                return already;
            }

            _waiters.Add((match, seen));
        }

        using var exited = new CancellationTokenSource();
        var exit = _process.WaitForExitAsync(exited.Token);
        var first = await Task.WhenAny(seen.Task, exit, Task.Delay(timeout, exited.Token));
        await exited.CancelAsync();
        if (first == seen.Task)
        {
            return await seen.Task;
        }

        throw new TimeoutException(first == exit
            ? $"the process exited ({_process.ExitCode}) before printing the expected line:\n{Output}"
            : $"no expected line within {timeout}:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown code runs, like a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        if (_ownSpool is not null && Directory.Exists(_ownSpool))
        {
            Directory.Delete(_ownSpool, recursive: true);
        }
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Enqueue(line);
            while (_output.Count > 2_000)
            {
                _output.TryDequeue(out _);
            }

            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Seen.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }
}
