using System.Globalization;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.Rollups;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// Which whole days of a report's two windows the VRIO roll-up answers: days it rolled up in a
/// finished compaction that hold no event past the watermark (<see cref="RollupState"/>) and
/// none of a run that gained an event past it (a run that crossed midnight into the open day, an
/// outcome recorded late). Everything else, and the runs split over days, is read from the events.
/// </summary>
public sealed class VrioRollupPlan
{
    private readonly SqlDialect _dialect;

    private VrioRollupPlan(SqlDialect dialect, IReadOnlyList<DateTime> current, IReadOnlyList<DateTime> previous, bool hasSplitRuns)
    {
        _dialect = dialect;
        Current = current;
        Previous = previous;
        HasSplitRuns = hasSplitRuns;
    }

    /// <summary>The rolled-up days of the current window.</summary>
    public IReadOnlyList<DateTime> Current { get; }

    /// <summary>The rolled-up days of the previous window.</summary>
    public IReadOnlyList<DateTime> Previous { get; }

    /// <summary>Whether the roll-up left runs out of those days as split over days (their events there are in <see cref="VrioRollup.SplitTable"/>).</summary>
    public bool HasSplitRuns { get; }

    /// <summary>The plan for [<paramref name="previousFrom"/>, <paramref name="to"/>), or null when the roll-up answers no day of it.</summary>
    public static async Task<VrioRollupPlan?> ReadAsync(IUsageStore store, string tenantId, DateTime previousFrom, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (RollupState.WholeDays(previousFrom, to) is not { } whole || await RollupState.ReadAsync(store, previousFrom, to, cancellationToken) is not { } state)
        {
            return null;
        }

        var d = store.Dialect;
        var range = $"day >= {d.TimeLiteral(whole.From)} AND day < {d.TimeLiteral(whole.To)}";
        var rolled = (await ReadAsync(
            store,
            $"SELECT DISTINCT {d.EpochSeconds("day")} FROM {d.Table(VrioRollup.DaysTable)} WHERE {range} AND batch IN (SELECT batch FROM {d.Table(RollupSchema.BatchesTable)})",
            cancellationToken)).Select(Day).ToHashSet();
        rolled.ExceptWith(state.Dirty);

        // Runs with events past the watermark: the days they also have events on are not settled.
        string Tail(List<object> parameters) => $"SELECT run_id FROM {d.AnalyticsSource} WHERE tenant_id = {d.Bind(parameters, tenantId)} AND {VrioRunSql.RunEvents} "
            + $"AND {d.IngestMark} > {state.Watermark.ToString(CultureInfo.InvariantCulture)}";
        var tailParameters = new List<object>();
        if (rolled.Count > 0 && (await ReadAsync(store, Tail(tailParameters) + " LIMIT 1", cancellationToken, tailParameters)).Count > 0)
        {
            var parameters = new List<object>();
            var touched = await ReadAsync(
                store,
                $"SELECT DISTINCT {d.EpochSeconds(d.DayStart("occurred_at"))} FROM {d.AnalyticsSource} WHERE tenant_id = {d.Bind(parameters, tenantId)} "
                + $"AND occurred_at >= {d.TimeLiteral(whole.From)} AND occurred_at < {d.TimeLiteral(whole.To)} AND {VrioRunSql.RunEvents} AND run_id IN ({Tail(parameters)})",
                cancellationToken,
                parameters);
            rolled.ExceptWith(touched.Select(Day));
        }

        var current = rolled.Where(day => day >= from && day.AddDays(1) <= to).Order().ToList();
        var previous = rolled.Where(day => day >= previousFrom && day.AddDays(1) <= from).Order().ToList();
        if (current.Count + previous.Count == 0)
        {
            return null;
        }

        var days = string.Join(", ", current.Concat(previous).Select(d.TimeLiteral));
        var anySplit = (await ReadAsync(store, $"SELECT run_id FROM {d.Table(VrioRollup.SplitTable)} WHERE day IN ({days}){VrioRollup.LiveRows(d)} LIMIT 1", cancellationToken)).Count > 0;
        return new VrioRollupPlan(d, current, previous, anySplit);
    }

    /// <summary>The parts of the two windows outside the rolled-up days, consecutive ones joined.</summary>
    internal IReadOnlyList<(DateTime From, DateTime To)> EventRanges(VrioFactsReader.Windows windows)
    {
        var ranges = new List<(DateTime From, DateTime To)>();
        foreach (var (from, to, days) in new[] { (windows.PreviousFrom, windows.From, Previous), (windows.From, windows.To, Current) })
        {
            var at = from;
            foreach (var day in days)
            {
                if (at < day)
                {
                    ranges.Add((at, day));
                }

                at = day.AddDays(1);
            }

            if (at < to)
            {
                ranges.Add((at, to));
            }
        }

        return ranges;
    }

    /// <summary>
    /// The roll-up rows of <paramref name="fact"/> for the tenant's rolled-up days, as a SELECT of
    /// the window (<c>xw</c>: 0 current, 1 previous) and <paramref name="columns"/>; null when no day is rolled up.
    /// </summary>
    internal string? Rolled(VrioFactsReader.Windows windows, List<object> parameters, string fact, string columns)
    {
        var d = _dialect;
        return Current.Count + Previous.Count == 0
            ? null
            : $"SELECT {d.ToInt64($"CASE WHEN day >= {d.Time(parameters, windows.From)} THEN 0 ELSE 1 END")} AS xw, {columns} FROM {d.Table(VrioRollup.Table)} "
                + $"WHERE tenant_id = {d.Bind(parameters, windows.TenantId)} AND fact = '{fact}' AND day IN ({string.Join(", ", Current.Concat(Previous).Select(d.TimeLiteral))})"
                + VrioRollup.LiveRows(d);
    }

    /// <summary>The tenant's events of the split runs on the rolled-up days: a SELECT of <see cref="VrioRollup.EventColumns"/>.</summary>
    internal string SplitEvents(VrioFactsReader.Windows windows, List<object> parameters)
    {
        var d = _dialect;
        return $"SELECT {VrioRollup.EventColumns(d)} FROM {d.Table(VrioRollup.SplitTable)} WHERE tenant_id = {d.Bind(parameters, windows.TenantId)} "
            + $"AND day IN ({string.Join(", ", Current.Concat(Previous).Select(d.TimeLiteral))}){VrioRollup.LiveRows(d)}";
    }

    private static DateTime Day(string?[] row) => DateTime.UnixEpoch.AddSeconds(long.Parse(row[0]!, CultureInfo.InvariantCulture));

    private static async Task<IReadOnlyList<string?[]>> ReadAsync(IUsageStore store, string sql, CancellationToken cancellationToken, List<object>? parameters = null) =>
        (await store.ReadAsync(new SqlStatement(sql, parameters ?? []), SqlReadLimits.Internal, cancellationToken)).Rows;
}
