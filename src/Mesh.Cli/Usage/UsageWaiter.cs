using Google.Protobuf.WellKnownTypes;
using Mesh.Cli.Commands;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Usage;

/// <summary>
/// Polls telemetry until every run's usage is visible and has stopped growing (services ship usage in
/// small batches, so a run's events arrive over a moment), or until the wait is over.
/// </summary>
public sealed class UsageWaiter(CommandContext context, TimeSpan wait, TimeSpan interval)
{
    public static IReadOnlyList<Dimension> GroupBy { get; } = [Dimension.Run, Dimension.Resource];

    /// <returns>The last report per run, and whether every run had usage and it was stable.</returns>
    public async Task<(IReadOnlyDictionary<string, UsageReport> Reports, bool Complete)> WaitAsync(
        IReadOnlyList<string> runIds,
        DateTimeOffset since,
        Action<string> progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        ArgumentNullException.ThrowIfNull(progress);
        var deadline = context.Time.GetUtcNow() + wait;
        var reports = new Dictionary<string, UsageReport>();
        long previousEvents = -1;
        while (true)
        {
            foreach (var runId in runIds)
            {
                reports[runId] = await QueryAsync(runId, since, cancellationToken);
            }

            var visible = reports.Values.Count(r => r.Total?.Events > 0);
            var events = reports.Values.Sum(r => r.Total?.Events ?? 0);
            if (visible == runIds.Count && events == previousEvents)
            {
                return (reports, true);
            }

            if (context.Time.GetUtcNow() >= deadline)
            {
                return (reports, false);
            }

            progress($"Waiting for usage to reach telemetry: {visible}/{runIds.Count} runs, {events} events so far…");
            previousEvents = visible == runIds.Count ? events : -1;
            await Task.Delay(interval, context.Time, cancellationToken);
        }
    }

    private async Task<UsageReport> QueryAsync(string runId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var query = new UsageQuery
        {
            From = Timestamp.FromDateTimeOffset(since),
            RunId = runId,
            Limit = 1_000,
        };
        query.GroupBy.AddRange(GroupBy);
        return await context.Clients.Analytics.GetUsageAsync(query, context.Clients.Options(cancellationToken));
    }
}
