using System.Globalization;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Storage.Rollups;

/// <summary>
/// Keeps the daily roll-ups (<see cref="RollupSchema"/>) off the insert path. Each compaction
/// takes a watermark on the events' ingest mark (<see cref="SqlDialect.IngestMark"/>), finds the
/// closed UTC days (before today; ClickHouse: before the grace) of the events ingested since the
/// previous watermark and the days that closed since the last run, and rebuilds those days whole
/// from the events (ClickHouse: with FINAL, so copies count once) as a new batch; the batch is
/// finished when its row in <see cref="RollupSchema.BatchesTable"/> is written. Readers use a
/// day's roll-up only while no event of that day is past the watermark (<see cref="RollupState"/>),
/// so answers are the events' to the last digit whatever arrives late or twice.
/// </summary>
public sealed class RollupCompactor(IUsageStore store, TimeProvider time)
{
    /// <summary>
    /// Compacts what was ingested up to now (ClickHouse: up to <paramref name="grace"/> ago, so a
    /// batch stamped before the watermark but still in flight is never skipped).
    /// </summary>
    public async Task<RollupCompaction> CompactAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        var dialect = store.Dialect;
        var current = await RollupState.ReadAsync(store, cancellationToken);
        var previous = current?.Watermark ?? -1;
        var lastBatch = Long(await ScalarAsync($"SELECT {dialect.ToInt64("MAX(batch)")} FROM {dialect.Table(RollupSchema.DaysTable)}", cancellationToken));
        long watermark;
        if (dialect.TransactionalWrites)
        {
            watermark = Long(await ScalarAsync($"SELECT {dialect.ToInt64($"MAX({dialect.IngestMark})")} FROM {dialect.EventsSource}", cancellationToken), -1);
        }
        else
        {
            watermark = time.GetUtcNow().ToUnixTimeSeconds() - (long)grace.TotalSeconds;
        }

        // Days close at UTC midnight (ClickHouse: once the grace has passed too); open days are never rolled up.
        var closedBefore = Math.Max(current?.ClosedBefore ?? 0, (time.GetUtcNow().ToUnixTimeSeconds() - (dialect.TransactionalWrites ? 0 : (long)grace.TotalSeconds)) / 86_400 * 86_400);

        // Days an unfinished batch touched are rebuilt too, so its rows never stand.
        var days = new SortedSet<long>();
        var unfinished = await store.ReadAsync(
            new SqlStatement($"SELECT DISTINCT {dialect.EpochSeconds("day")} FROM {dialect.Table(RollupSchema.DaysTable)} WHERE batch > {(current?.Batch ?? 0).ToString(CultureInfo.InvariantCulture)}", []),
            SqlReadLimits.Internal, cancellationToken);
        days.UnionWith(unfinished.Rows.Select(r => Long(r[0])));

        // A store compacted before the VRIO roll-up existed has every closed day rolled up again once.
        var vrioMissing = current is not null && lastBatch > 0
            && Long(await ScalarAsync($"SELECT {dialect.ToInt64("COUNT(*)")} FROM {dialect.Table(VrioRollup.DaysTable)}", cancellationToken)) == 0;
        if (watermark <= previous && days.Count == 0 && closedBefore == (current?.ClosedBefore ?? 0) && !vrioMissing)
        {
            return new RollupCompaction(current?.Batch ?? 0, previous, 0);
        }

        // Closed days with events ingested since the last watermark, and the days that closed since the last compaction.
        var closedFrom = Day(dialect, vrioMissing ? 0 : current?.ClosedBefore ?? 0);
        var touched = await store.ReadAsync(
            new SqlStatement(
                $"SELECT DISTINCT {dialect.EpochSeconds(dialect.DayStart("occurred_at"))} FROM {dialect.AnalyticsSource}"
                + $" WHERE occurred_at < {Day(dialect, closedBefore)} AND ({dialect.IngestMark} > {previous.ToString(CultureInfo.InvariantCulture)}"
                + $" AND {dialect.IngestMark} <= {watermark.ToString(CultureInfo.InvariantCulture)} OR occurred_at >= {closedFrom})",
                []),
            SqlReadLimits.Internal, cancellationToken);
        days.UnionWith(touched.Rows.Select(r => Long(r[0])));
        if (current is not null && watermark > previous)
        {
            // Closed days holding runs that gained events since: their runs are no longer single-day.
            var split = await store.ReadAsync(VrioRollup.DaysOfNewRuns(dialect, previous, watermark, closedBefore), SqlReadLimits.Internal, cancellationToken);
            days.UnionWith(split.Rows.Select(r => Long(r[0])));
        }

        var batch = Math.Max(current?.Batch ?? 0, lastBatch) + 1;
        var statements = new List<SqlStatement>();
        var dayList = string.Join(", ", days.Select(d => Day(dialect, d)));
        if (days.Count > 0 && dialect.TransactionalWrites)
        {
            statements.AddRange(RollupSchema.All.Select(r => Statement($"DELETE FROM {dialect.Table(r.Table)} WHERE day IN ({dayList})")));
            statements.AddRange(VrioRollup.Tables.Append(RollupSchema.DaysTable).Select(t => Statement($"DELETE FROM {dialect.Table(t)} WHERE day IN ({dayList})")));
        }

        if (days.Count > 0)
        {
            // A day per statement keeps each aggregation small (ClickHouse caps a query's memory).
            foreach (var day in days)
            {
                var where = $"occurred_at >= {Day(dialect, day)} AND occurred_at < {Day(dialect, day + 86_400)}";
                statements.AddRange(RollupSchema.All.Where(r => r.DerivedFrom is null).Select(r => Insert(dialect, r, batch, where)));
                statements.AddRange(VrioRollup.Build(dialect, batch, day));
            }

            statements.AddRange(RollupSchema.All.Where(r => r.DerivedFrom is not null).Select(r => Insert(dialect, r, batch, $"day IN ({dayList})")));
            foreach (var table in new[] { RollupSchema.DaysTable, VrioRollup.DaysTable })
            {
                statements.Add(Statement($"INSERT INTO {dialect.Table(table)} (batch, day) VALUES "
                    + string.Join(", ", days.Select(d => $"({batch.ToString(CultureInfo.InvariantCulture)}, {Day(dialect, d)})"))));
            }

        }

        statements.Add(Statement($"INSERT INTO {dialect.Table(RollupSchema.BatchesTable)} (batch, watermark, closed_before, compacted_at) VALUES"
            + $" ({batch.ToString(CultureInfo.InvariantCulture)}, {Math.Max(watermark, previous).ToString(CultureInfo.InvariantCulture)},"
            + $" {closedBefore.ToString(CultureInfo.InvariantCulture)}, {Day(dialect, time.GetUtcNow().ToUnixTimeSeconds())})"));
        await store.ExecuteAllAsync(statements, cancellationToken);

        if (days.Count > 0 && !dialect.TransactionalWrites && lastBatch > 0)
        {
            // The batch is finished: rows it superseded go (an asynchronous mutation; readers skip them meanwhile).
            foreach (var table in RollupSchema.All.Select(r => r.Table).Concat(VrioRollup.Tables).Append(RollupSchema.DaysTable))
            {
                await store.ExecuteAllAsync(
                    [Statement($"ALTER TABLE {dialect.Table(table)} DELETE WHERE day IN ({dayList}) AND batch < {batch.ToString(CultureInfo.InvariantCulture)}")],
                    cancellationToken);
            }
        }

        return new RollupCompaction(batch, Math.Max(watermark, previous), days.Count);
    }

    private async Task<string?> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        var rows = await store.ReadAsync(new SqlStatement(sql, []), SqlReadLimits.Internal, cancellationToken);
        return rows.Rows.Count == 0 ? null : rows.Rows[0][0];
    }

    private static SqlStatement Statement(string sql) => new(sql, []);

    private static SqlStatement Insert(SqlDialect dialect, DailyRollup rollup, long batch, string where) => Statement(
        $"INSERT INTO {dialect.Table(rollup.Table)} (batch, day, {string.Join(", ", rollup.Keys)}, {string.Join(", ", rollup.Values.Select(v => v.Name))}) "
        + rollup.Select(dialect, dialect.CompactionSource, batch, where));

    /// <summary>A day (epoch seconds) as a timestamp literal.</summary>
    private static string Day(SqlDialect dialect, long seconds) => dialect.TimeLiteral(DateTime.UnixEpoch.AddSeconds(seconds));

    private static long Long(string? text, long empty = 0) =>
        string.IsNullOrEmpty(text) ? empty : long.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>What a compaction did: its batch, the watermark now in force, and how many days it rebuilt.</summary>
public sealed record RollupCompaction(long Batch, long Watermark, int Days);
