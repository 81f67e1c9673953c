using System.Collections.Concurrent;
using Mesh.Agents.Runs.Store;
using Microsoft.Extensions.Options;

namespace Mesh.Agents.Runs.Engine;

/// <summary>
/// Takes runs that can go on (new, woken, or left by a replica whose lease ran out), executes
/// them up to the concurrency limit, and renews the leases it holds. A run whose lease could
/// not be renewed is stopped here: another replica has it, and its fencing token refuses
/// anything this one would still commit.
/// </summary>
public sealed partial class RunScheduler(
    IRunStore store,
    RunExecutor executor,
    IOptions<RunEngineOptions> options,
    TimeProvider time,
    ILogger<RunScheduler> logger) : BackgroundService
{
    private readonly RunEngineOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _kick = new(0, 1);

    /// <summary>This replica's name in leases.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Looks for runs now (a run was started, signalled or woken here).</summary>
    public void Kick()
    {
        try
        {
            _kick.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already kicked.
        }
    }

    /// <summary>Stops the run's running step at once when this replica executes it.</summary>
    public void Cancel(string runId)
    {
        if (_held.TryGetValue(runId, out var held))
        {
            held.Cancel.Cancel();
        }
        else
        {
            Kick();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        executor.ChildrenStarted += Kick;
        executor.LeaseReleased += runId =>
        {
            if (_held.TryGetValue(runId, out var released))
            {
                released.Released = true;
            }
        };
        LogStarted(logger, Owner, store.Shared);
        using var renewal = Task.Run(() => RenewLoopAsync(stoppingToken), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var room = _options.MaxConcurrentRuns - _held.Count;
                if (room > 0)
                {
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    var claimed = await store.ClaimAsync(Owner, now, now + (long)_options.LeaseDuration.TotalMilliseconds, room, stoppingToken);
                    foreach (var claim in claimed)
                    {
                        Start(claim, stoppingToken);
                    }

                    if (claimed.Count == room)
                    {
                        continue;
                    }
                }

                await _kick.WaitAsync(_options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogClaimFailed(logger, ex.Message);
                await Task.Delay(_options.PollInterval, time, CancellationToken.None);
            }
        }

        await StopHeldAsync();
        await renewal;
    }

    private void Start(ClaimedRun claim, CancellationToken stoppingToken)
    {
        var held = new Held(claim, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken), new CancellationTokenSource());
        _held[claim.RunId] = held;
        held.Task = Task.Run(async () =>
        {
            try
            {
                await executor.ExecuteAsync(claim, Owner, held.Lease.Token, held.Cancel.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !held.Lease.IsCancellationRequested)
            {
                LogRunError(logger, claim.RunId, ex);
                await store.ReleaseAsync(claim.RunId, Owner, claim.Fence, CancellationToken.None);
            }
            finally
            {
                // Only this execution's entry: the run may already be claimed again (a signal woke it).
                _held.TryRemove(KeyValuePair.Create(claim.RunId, held));
                held.Dispose();
                Kick();
            }
        }, CancellationToken.None);
    }

    private async Task RenewLoopAsync(CancellationToken stoppingToken)
    {
        var interval = _options.LeaseDuration / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, time, stoppingToken);
            var ids = _held.Where(h => !h.Value.Released).Select(h => h.Key).ToList();
            if (ids.Count == 0)
            {
                continue;
            }

            try
            {
                var until = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_options.LeaseDuration.TotalMilliseconds;
                foreach (var state in await store.RenewAsync(Owner, ids, until, stoppingToken))
                {
                    if (!_held.TryGetValue(state.RunId, out var held) || held.Released)
                    {
                        continue;
                    }

                    if (!state.Held)
                    {
                        LogLeaseLost(logger, state.RunId);
                        await held.Lease.CancelAsync();
                    }
                    else if (state.CancelRequested)
                    {
                        await held.Cancel.CancelAsync();
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRenewFailed(logger, ex.Message);
            }
        }
    }

    private async Task StopHeldAsync()
    {
        var held = _held.Values.ToList();
        foreach (var run in held)
        {
            await run.Lease.CancelAsync();
        }

        await Task.WhenAll(held.Select(h => h.Task ?? Task.CompletedTask));

        // Another replica (or the next start) takes these at once instead of after the lease.
        foreach (var run in held)
        {
            await store.ReleaseAsync(run.Claim.RunId, Owner, run.Claim.Fence, CancellationToken.None);
        }
    }

    public override void Dispose()
    {
        _kick.Dispose();
        base.Dispose();
    }

    private sealed class Held(ClaimedRun claim, CancellationTokenSource lease, CancellationTokenSource cancel) : IDisposable
    {
        public ClaimedRun Claim => claim;

        public CancellationTokenSource Lease => lease;

        public CancellationTokenSource Cancel => cancel;

        public Task? Task { get; set; }

        /// <summary>The run's last commit gave the lease up: there is nothing left to renew.</summary>
        public bool Released { get; set; }

        public void Dispose()
        {
            lease.Dispose();
            cancel.Dispose();
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Run scheduler {Owner} started (shared store: {Shared})")]
    private static partial void LogStarted(ILogger logger, string owner, bool shared);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Claiming runs failed: {Reason}")]
    private static partial void LogClaimFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Error, Message = "Run {RunId} stopped with an error; it will be taken again")]
    private static partial void LogRunError(ILogger logger, string runId, Exception error);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Lease of run {RunId} lost: stopping it here")]
    private static partial void LogLeaseLost(ILogger logger, string runId);

    [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "Renewing leases failed: {Reason}")]
    private static partial void LogRenewFailed(ILogger logger, string reason);
}
