using System.Globalization;

namespace Mesh.Telemetry.Storage.Rollups;

/// <summary>
/// The last finished compaction (its batch, the ingest mark it compacted up to, and the day from
/// which on days are still open) and, for a query's window, the whole days it may read from a
/// roll-up: closed days with no event past the watermark. The other days (<see cref="Dirty"/>)
/// and the partial days at the window's edges are read from the events, so the answer is the
/// events' whatever arrived since.
/// </summary>
public sealed record RollupState(long Batch, long Watermark, long ClosedBefore)
{
    /// <summary>Whole days of the window holding events ingested after the watermark.</summary>
    public IReadOnlyList<DateTime> Dirty { get; init; } = [];

    /// <summary>The state, or null when nothing was ever compacted.</summary>
    public static async Task<RollupState?> ReadAsync(IUsageStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dialect = store.Dialect;
        var rows = await store.ReadAsync(
            new SqlStatement($"SELECT {dialect.ToInt64("batch")}, {dialect.ToInt64("watermark")}, {dialect.ToInt64("closed_before")} FROM {dialect.Table(RollupSchema.BatchesTable)} ORDER BY batch DESC LIMIT 1", []),
            SqlReadLimits.Internal, cancellationToken);
        return rows.Rows.Count == 0
            ? null
            : new RollupState(Long(rows.Rows[0][0]), Long(rows.Rows[0][1]), Long(rows.Rows[0][2]));
    }

    /// <summary>The state with the dirty days among the whole days of [from, to); null when nothing was compacted or no whole day is in the window.</summary>
    public static async Task<RollupState?> ReadAsync(IUsageStore store, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        if (WholeDays(from, to) is not { } days || await ReadAsync(store, cancellationToken) is not { } state)
        {
            return null;
        }

        var dialect = store.Dialect;
        var rows = await store.ReadAsync(
            new SqlStatement(
                $"SELECT DISTINCT {dialect.EpochSeconds(dialect.DayStart("occurred_at"))} FROM {dialect.AnalyticsSource}"
                + $" WHERE occurred_at >= {dialect.TimeLiteral(days.From)} AND occurred_at < {dialect.TimeLiteral(days.To)}"
                + $" AND {dialect.IngestMark} > {state.Watermark.ToString(CultureInfo.InvariantCulture)}",
                []),
            SqlReadLimits.Internal, cancellationToken);
        var open = DateTime.UnixEpoch.AddSeconds(state.ClosedBefore);
        var dirty = rows.Rows.Select(r => DateTime.UnixEpoch.AddSeconds(Long(r[0]))).Where(d => d < open).ToHashSet();
        for (var day = open > days.From ? open : days.From; day < days.To; day = day.AddDays(1))
        {
            dirty.Add(day);
        }

        return state with { Dirty = [.. dirty.Order()] };
    }

    private static long Long(string? text) => long.Parse(text!, CultureInfo.InvariantCulture);

    /// <summary>The whole UTC days of [from, to), or null when there is none.</summary>
    public static (DateTime From, DateTime To)? WholeDays(DateTime from, DateTime to)
    {
        var first = from.TimeOfDay == TimeSpan.Zero ? from : from.Date.AddDays(1);
        var last = to.Date;
        return first < last ? (DateTime.SpecifyKind(first, DateTimeKind.Utc), DateTime.SpecifyKind(last, DateTimeKind.Utc)) : null;
    }

    /// <summary>The condition on a roll-up's <c>day</c> that keeps the whole days of <paramref name="days"/> it answers.</summary>
    public string DayCondition(SqlDialect dialect, (DateTime From, DateTime To) days)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        var sql = $"day >= {dialect.TimeLiteral(days.From)} AND day < {dialect.TimeLiteral(days.To)}";
        if (Dirty.Count > 0)
        {
            sql += $" AND day NOT IN ({string.Join(", ", Dirty.Select(dialect.TimeLiteral))})";
        }

        return sql + dialect.LiveRollupRows;
    }

    /// <summary>The parts of [from, to) read from the events: the partial days at the edges and the dirty days, consecutive ones joined.</summary>
    public IReadOnlyList<(DateTime From, DateTime To)> EventWindows(DateTime from, DateTime to, (DateTime From, DateTime To) days, IEnumerable<DateTime>? alsoDays = null)
    {
        var windows = new List<(DateTime From, DateTime To)>();
        if (from < days.From)
        {
            windows.Add((from, days.From));
        }

        foreach (var day in Dirty.Concat(alsoDays ?? []).Distinct().Order())
        {
            if (windows.Count > 0 && windows[^1].To == day)
            {
                windows[^1] = (windows[^1].From, day.AddDays(1));
            }
            else
            {
                windows.Add((day, day.AddDays(1)));
            }
        }

        if (days.To < to)
        {
            if (windows.Count > 0 && windows[^1].To == days.To)
            {
                windows[^1] = (windows[^1].From, to);
            }
            else
            {
                windows.Add((days.To, to));
            }
        }

        return windows;
    }
}
