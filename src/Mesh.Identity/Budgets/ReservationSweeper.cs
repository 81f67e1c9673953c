using System.Data.Common;

namespace Mesh.Identity.Budgets;

/// <summary>
/// Reservations never settled (a service died mid-call) are charged in full after
/// <see cref="Timeout"/>, so a crash can never turn into free spend. Closed reservations are
/// kept for <see cref="Retention"/> (a settle retried within it is recognised) and then removed.
/// Replicas sharing a database may all sweep: each reservation is expired once.
/// </summary>
public sealed partial class ReservationSweeper(IBudgetStore budgets, TimeProvider time, ILogger<ReservationSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                var expired = budgets.Expire(now - Timeout);
                if (expired > 0)
                {
                    LogExpired(logger, expired, Timeout.TotalMinutes);
                }

                budgets.Purge(now - Retention);
            }
            catch (DbException ex)
            {
                // The database is away for a moment (a shared one restarting): the next sweep catches up.
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Charged {Count} budget reservations never settled within {Minutes} minutes")]
    private static partial void LogExpired(ILogger logger, int count, double minutes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Sweeping budget reservations failed; retrying in a minute")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
