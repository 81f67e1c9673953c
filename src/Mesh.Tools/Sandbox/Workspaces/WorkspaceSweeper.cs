using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox.Workspaces;

/// <summary>Removes workspaces of runs idle for <see cref="SandboxOptions.WorkspaceIdleTimeout"/> (runs that ended without EndRun).</summary>
public sealed partial class WorkspaceSweeper(WorkspaceStore workspaces, IOptions<SandboxOptions> options, TimeProvider time, ILogger<WorkspaceSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = options.Value.WorkspaceIdleTimeout;
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMinute, idle.Ticks / 4)), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = workspaces.RemoveIdle(time.GetUtcNow() - idle);
                if (removed > 0)
                {
                    LogRemoved(logger, removed, idle.TotalMinutes);
                }
            }
            catch (IOException ex)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 51, Level = LogLevel.Information, Message = "Removed {Count} sandbox workspaces idle for {Minutes} minutes")]
    private static partial void LogRemoved(ILogger logger, int count, double minutes);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "Sweeping idle sandbox workspaces failed; retrying at the next sweep")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
