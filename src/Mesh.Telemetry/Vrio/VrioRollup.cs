using System.Globalization;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.Rollups;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// The VRIO report's daily roll-up, rebuilt by <see cref="RollupCompactor"/> with the other
/// daily roll-ups: per UTC day and tenant, the run-level facts of the day's single-day runs
/// (runs whose calls and outcomes all fall on that day), already attributed, so a report reads a
/// few thousand rows instead of grouping every event by run. A run with events on other days
/// too (one that crosses midnight, an outcome recorded days later) is listed in
/// <see cref="SplitTable"/> and read from the events by every report, as are the days the
/// roll-up does not answer (the windows' partial days, open days, days with events past the
/// watermark), so the report is the events' to the last digit.
/// </summary>
/// <remarks>
/// Facts (<c>fact</c>): <c>value</c>, the attributed outcome value per capability (outcomes,
/// successful ones, value by cost share and in equal parts, exact integers of 1e-18 USD);
/// <c>runs</c>, runs per capability name; <c>cost</c>, each workflow's runs' whole cost;
/// <c>uses</c>, the workflows whose runs used each model and tool; <c>outcome</c>, outcomes that
/// name their capability, per success (every such outcome of the day: they belong to no run);
/// <c>usage</c>, calls, successes, cost, traced and priced calls and device time per capability;
/// <c>principal</c>, who called each capability.
/// </remarks>
public static class VrioRollup
{
    /// <summary>The roll-up of facts per day, tenant and capability.</summary>
    public const string Table = "vrio_runs_daily";

    /// <summary>(batch, day, and the event's columns a run-level fact reads): the events of the day's runs that have events on other days too, never rolled up.</summary>
    public const string SplitTable = "vrio_split_run_events";

    /// <summary>The columns of an event <see cref="SplitTable"/> keeps.</summary>
    public static string EventColumns(SqlDialect d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return $"tenant_id, run_id, kind, resource, resource_version, status, cost_usd, attributes, {d.OccurredColumns}";
    }

    /// <summary>(batch, day): the days each compaction batch rolled up for VRIO.</summary>
    public const string DaysTable = "vrio_rollup_days";

    /// <summary>Every table of the roll-up, each with a <c>day</c> and a <c>batch</c> column.</summary>
    public static IReadOnlyList<string> Tables { get; } = [Table, SplitTable, DaysTable];

    public static IEnumerable<string> DuckDbStatements()
    {
        yield return $"CREATE TABLE IF NOT EXISTS {Table} (batch BIGINT NOT NULL, day TIMESTAMP NOT NULL, tenant_id VARCHAR NOT NULL, fact VARCHAR NOT NULL, "
            + "kind VARCHAR NOT NULL, resource VARCHAR NOT NULL, resource_version VARCHAR NOT NULL, workflow VARCHAR NOT NULL, principal VARCHAR NOT NULL, runs BIGINT NOT NULL, "
            + "outcomes BIGINT NOT NULL, ok_outcomes BIGINT NOT NULL, value_cost HUGEINT NOT NULL, value_equal HUGEINT NOT NULL, usd DECIMAL(38,9) NOT NULL, "
            + "calls BIGINT NOT NULL, ok_calls BIGINT NOT NULL, traced BIGINT NOT NULL, priced BIGINT NOT NULL, compute_ms DOUBLE NOT NULL)";
        yield return $"CREATE TABLE IF NOT EXISTS {SplitTable} (batch BIGINT NOT NULL, day TIMESTAMP NOT NULL, tenant_id VARCHAR NOT NULL, run_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
            + "resource VARCHAR NOT NULL, resource_version VARCHAR NOT NULL, status VARCHAR NOT NULL, cost_usd DECIMAL(18,9) NOT NULL, attributes VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL)";
        yield return $"CREATE TABLE IF NOT EXISTS {DaysTable} (batch BIGINT NOT NULL, day TIMESTAMP NOT NULL)";
    }

    public static IEnumerable<string> ClickHouseStatements(string db)
    {
        yield return $"CREATE TABLE IF NOT EXISTS {db}.{Table} (batch Int64, day DateTime('UTC'), tenant_id String, fact String, kind String, resource String, "
            + "resource_version String, workflow String, principal String, runs Int64, outcomes Int64, ok_outcomes Int64, value_cost Decimal(38, 0), value_equal Decimal(38, 0), "
            + "usd Decimal(38, 9), calls Int64, ok_calls Int64, traced Int64, priced Int64, compute_ms Float64) "
            + "ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (tenant_id, day, fact, kind, resource, batch)";
        yield return $"CREATE TABLE IF NOT EXISTS {db}.{SplitTable} (batch Int64, day DateTime('UTC'), tenant_id String, run_id String, kind String, resource String, "
            + "resource_version String, status String, cost_usd Decimal(18, 9), attributes String, occurred_at DateTime('UTC'), occurred_us UInt32) "
            + "ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (tenant_id, day, run_id)";
        yield return $"CREATE TABLE IF NOT EXISTS {db}.{DaysTable} (batch Int64, day DateTime('UTC')) ENGINE = MergeTree() ORDER BY (day, batch)";
    }

    /// <summary>The statements that roll up the UTC day starting at <paramref name="day"/> (epoch seconds) as batch <paramref name="batch"/>: its split runs first, then its facts.</summary>
    public static IEnumerable<SqlStatement> Build(SqlDialect d, long batch, long day)
    {
        ArgumentNullException.ThrowIfNull(d);
        var b = d.ToInt64(batch.ToString(CultureInfo.InvariantCulture));
        var at = d.TimeLiteral(DateTime.UnixEpoch.AddSeconds(day));
        var inDay = $"occurred_at >= {at} AND occurred_at < {d.TimeLiteral(DateTime.UnixEpoch.AddSeconds(day + 86_400))}";
        var source = d.CompactionSource;

        // The split runs' events of the day are kept apart, so a report reads them without scanning the day.
        yield return new SqlStatement(
            $"INSERT INTO {d.Table(SplitTable)} (batch, day, {EventColumns(d)}) SELECT {b}, {at}, {EventColumns(d)} FROM {source} "
            + $"WHERE {inDay} AND {VrioRunSql.RunEvents} AND run_id IN (SELECT DISTINCT run_id FROM {d.AnalyticsSource} "
            + $"WHERE NOT ({inDay}) AND {VrioRunSql.RunEvents} AND run_id IN (SELECT run_id FROM {d.AnalyticsSource} WHERE {inDay} AND {VrioRunSql.RunEvents}))",
            []);

        var single = $"{inDay} AND run_id NOT IN (SELECT run_id FROM {d.Table(SplitTable)} WHERE batch = {batch.ToString(CultureInfo.InvariantCulture)} AND day = {at})";
        SqlStatement Insert(string fact, IReadOnlyDictionary<string, string> values, string from)
        {
            var columns = Defaults(d).Select(c => values.TryGetValue(c.Name, out var value) ? value : c.Zero);
            return new SqlStatement($"INSERT INTO {d.Table(Table)} (batch, day, tenant_id, fact, {string.Join(", ", Defaults(d).Select(c => c.Name))}) "
                + $"SELECT {b}, {at}, w, '{fact}', {string.Join(", ", columns)} FROM {from}", []);
        }

        yield return Insert(
            "value",
            new Dictionary<string, string>
            {
                ["kind"] = "k", ["resource"] = "resource", ["resource_version"] = "resource_version", ["outcomes"] = d.ToInt64("SUM(oc)"), ["ok_outcomes"] = d.ToInt64("SUM(okc)"),
                ["value_cost"] = d.ToExactInteger("SUM(sv)"), ["value_equal"] = d.ToExactInteger("SUM(se)"),
            },
            $"({VrioRunSql.Attributed(d, source, "tenant_id", single)}) AS a GROUP BY w, k, resource, resource_version");
        yield return Insert(
            "runs",
            new Dictionary<string, string> { ["kind"] = "k", ["resource"] = "resource", ["runs"] = d.ToInt64("runs") },
            $"({VrioRunSql.RunsByName(d, source, "tenant_id", single)}) AS a");
        yield return Insert(
            "cost",
            new Dictionary<string, string> { ["kind"] = "'workflow'", ["resource"] = "resource", ["resource_version"] = "resource_version", ["usd"] = d.ToWideDecimal("SUM(cost)") },
            $"({VrioRunSql.WorkflowRunCost(d, source, "tenant_id", single)}) AS a GROUP BY w, resource, resource_version");
        yield return Insert(
            "uses",
            new Dictionary<string, string> { ["kind"] = "k", ["resource"] = "resource", ["resource_version"] = "resource_version", ["workflow"] = "workflow" },
            $"({VrioRunSql.DependentWorkflows(d, source, "tenant_id", single)}) AS a");
        yield return Insert(
            "outcome",
            new Dictionary<string, string>
            {
                ["kind"] = "ck", ["resource"] = "resource", ["resource_version"] = "resource_version", ["outcomes"] = d.ToInt64("SUM(c)"), ["ok_outcomes"] = d.ToInt64("SUM(ok * c)"),
                ["usd"] = d.ToWideDecimal("SUM(v)"),
            },
            $"({VrioRunSql.NamedOutcomes(d, source, "tenant_id", inDay)}) AS a GROUP BY w, ck, resource, resource_version, ok");
        yield return Insert(
            "usage",
            new Dictionary<string, string>
            {
                ["kind"] = "k", ["resource"] = "resource", ["resource_version"] = "resource_version", ["calls"] = d.ToInt64("SUM(c)"), ["ok_calls"] = d.ToInt64("SUM(ok)"),
                ["usd"] = d.ToWideDecimal("SUM(cost)"), ["traced"] = d.ToInt64("SUM(traced)"), ["priced"] = d.ToInt64("SUM(priced)"), ["compute_ms"] = d.ToDouble("SUM(compute)"),
            },
            $"({VrioRunSql.Usage(d, source, "tenant_id", inDay)}) AS a GROUP BY w, k, resource, resource_version");
        yield return Insert(
            "principal",
            new Dictionary<string, string> { ["kind"] = "k", ["resource"] = "resource", ["resource_version"] = "resource_version", ["principal"] = "principal_id" },
            $"({VrioRunSql.Principals(d, source, "tenant_id", inDay)}) AS a");
    }

    /// <summary>The value columns of <see cref="Table"/> and their zero.</summary>
    private static IEnumerable<(string Name, string Zero)> Defaults(SqlDialect d) =>
    [
        ("kind", "''"), ("resource", "''"), ("resource_version", "''"), ("workflow", "''"), ("principal", "''"),
        ("runs", d.ToInt64("0")), ("outcomes", d.ToInt64("0")), ("ok_outcomes", d.ToInt64("0")),
        ("value_cost", d.ToExactInteger("0")), ("value_equal", d.ToExactInteger("0")), ("usd", d.ToWideDecimal("0")),
        ("calls", d.ToInt64("0")), ("ok_calls", d.ToInt64("0")), ("traced", d.ToInt64("0")), ("priced", d.ToInt64("0")), ("compute_ms", d.ToDouble("0")),
    ];

    /// <summary>
    /// The closed days (before <paramref name="closedBefore"/>, epoch seconds) where the runs of
    /// the events ingested in (<paramref name="after"/>, <paramref name="upTo"/>] have events:
    /// a day whose single-day run gained an event elsewhere must be rolled up again.
    /// </summary>
    public static SqlStatement DaysOfNewRuns(SqlDialect d, long after, long upTo, long closedBefore)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new SqlStatement(
            $"SELECT DISTINCT {d.EpochSeconds(d.DayStart("occurred_at"))} FROM {d.AnalyticsSource} WHERE occurred_at < {d.TimeLiteral(DateTime.UnixEpoch.AddSeconds(closedBefore))} "
            + $"AND {VrioRunSql.RunEvents} AND run_id IN (SELECT run_id FROM {d.AnalyticsSource} WHERE {VrioRunSql.RunEvents} "
            + $"AND {d.IngestMark} > {after.ToString(CultureInfo.InvariantCulture)} AND {d.IngestMark} <= {upTo.ToString(CultureInfo.InvariantCulture)})",
            []);
    }

    /// <summary>The condition that a row of a VRIO roll-up table belongs to its day's latest finished batch (empty where compactions replace rows in place).</summary>
    public static string LiveRows(SqlDialect d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.TransactionalWrites
            ? ""
            : $" AND (day, batch) IN (SELECT day, max(batch) FROM {d.Table(DaysTable)} WHERE batch IN (SELECT batch FROM {d.Table(RollupSchema.BatchesTable)}) GROUP BY day)";
    }
}
