namespace Mesh.Identity.Budgets;

/// <summary>
/// Reservations never settled (a service died mid-call) are charged in full after
/// <see cref="Timeout"/>, so a crash can never turn into free spend.
/// </summary>
public sealed partial class ReservationSweeper(IBudgetStore budgets, TimeProvider time, ILogger<ReservationSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var expired = budgets.Expire(time.GetUtcNow() - Timeout);
            if (expired > 0)
            {
                LogExpired(logger, expired, Timeout.TotalMinutes);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Charged {Count} budget reservations never settled within {Minutes} minutes")]
    private static partial void LogExpired(ILogger logger, int count, double minutes);
}
