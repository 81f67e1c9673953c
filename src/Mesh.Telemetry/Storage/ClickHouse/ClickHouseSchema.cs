using System.Text.RegularExpressions;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// The ClickHouse schema of usage: written for the subset 18.16 (Debian's) and current
/// servers share: no DateTime64, LowCardinality, TTL, codecs or skip indexes.
/// </summary>
/// <remarks>
/// <para>
/// Exactly once. Every event carries a stable id, and Kafka delivers at least once: a replay
/// after a crash between a write and its offset commit, a producer retry, a broker that keeps
/// a retried batch twice. Three layers make each id count once:
/// </para>
/// <list type="number">
/// <item>Before a batch is inserted, the ingestor drops ids repeated in the batch and ids
/// already stored (one primary-key-bounded lookup: the tenants and time span of the batch,
/// then the ids). A batch is one insert, one block, one part: stored whole or not at all, so
/// a retried batch finds exactly the rows of the attempt that did land.</item>
/// <item>The table is a ReplacingMergeTree whose sort key ends with the event id: should two
/// writers ever race on the same event (a consumer presumed dead that still writes), the
/// copies share a key and merges keep one.</item>
/// <item>Reports read with FINAL (<see cref="ClickHouseDialect.EventsSource"/>), which
/// collapses copies not yet merged, so answers are exact before merges run.</item>
/// </list>
/// <para>
/// Sort key: tenant first, then time, because every tenant-facing query filters on one
/// tenant and a window; the event id last makes the key unique per event. Monthly partitions
/// keep parts few and let old months be dropped whole.
/// </para>
/// <para>
/// Roll-ups. The per-minute tables are fed by the inserts the first layer already
/// de-duplicated, so they are exact, except in the race of the second layer: a consumer
/// presumed dead that still writes a batch in flight while the partitions' new owner writes the
/// same records. Both inserts feed the materialized views, and a SummingMergeTree or
/// AggregatingMergeTree cannot tell copies apart, so those minutes count the batch twice until
/// they are rebuilt. Deduplication before insert cannot close it (the writers are two
/// processes that each find the ids absent), and exact roll-ups would need fencing the
/// ClickHouse write with the Kafka offsets or re-aggregating from <c>usage_events FINAL</c>,
/// both far costlier than the race is likely: the ingestor drops its pending records the
/// moment it learns its partitions are revoked or lost, so only what it writes before learning
/// it (a batch in flight, about one heartbeat interval) can be doubled. Hence: the roll-ups serve dashboards and are approximate in that case;
/// billing and every analytics RPC read <c>usage_events</c> with FINAL, which is exact. A month
/// whose roll-up disagrees with <c>SELECT count() FROM usage_events FINAL</c> over the same
/// minutes is rebuilt by dropping the roll-up's partition and inserting the view's SELECT over
/// <c>usage_events FINAL</c> for that month.
/// </para>
/// </remarks>
public static partial class ClickHouseSchema
{
    public const string DefaultDatabase = "mesh";
    public const string ByMinuteTable = "usage_by_minute";
    public const string LatencyByMinuteTable = "usage_latency_by_minute";

    /// <summary>The columns of <c>usage_events</c>, in the order inserts write them.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "event_id", "occurred_at", "occurred_us", "tenant_id", "principal_id", "agent_id", "run_id", "step_id",
        "service", "kind", "resource", "resource_version", "device", "input_tokens", "output_tokens", "cached_tokens",
        "queue_ms", "compute_ms", "total_ms", "batch_size", "status", "cost_usd", "price_version", "attributes",
        "trace_id", "ingested_at",
    ];

    /// <summary>The statements that create the schema, in order; each is idempotent.</summary>
    public static IReadOnlyList<string> Statements(string database)
    {
        var db = CheckIdentifier(database);
        return
        [
            $"CREATE DATABASE IF NOT EXISTS {db}",
            $"""
            CREATE TABLE IF NOT EXISTS {db}.{UsageSql.Table} (
                event_id UUID,
                occurred_at DateTime('UTC'),
                occurred_us UInt32,
                tenant_id String,
                principal_id String,
                agent_id String,
                run_id String,
                step_id String,
                service String,
                kind String,
                resource String,
                resource_version String,
                device String,
                input_tokens Int64,
                output_tokens Int64,
                cached_tokens Int64,
                queue_ms Float64,
                compute_ms Float64,
                total_ms Float64,
                batch_size Int32,
                status String,
                cost_usd Decimal(18, 9),
                price_version String,
                attributes String,
                trace_id String,
                ingested_at DateTime('UTC')
            ) ENGINE = ReplacingMergeTree()
            PARTITION BY toYYYYMM(occurred_at)
            ORDER BY (tenant_id, occurred_at, event_id)
            """,
            // Cost and usage per minute, tenant and resource: the dashboard's and FinOps' table.
            // Exact but for a zombie consumer's doubled batch (see remarks); bill from usage_events FINAL.
            $"""
            CREATE TABLE IF NOT EXISTS {db}.{ByMinuteTable} (
                minute DateTime('UTC'),
                tenant_id String,
                service String,
                kind String,
                resource String,
                events UInt64,
                errors UInt64,
                input_tokens Int64,
                output_tokens Int64,
                cached_tokens Int64,
                compute_us Int64,
                cost_usd Decimal(38, 9)
            ) ENGINE = SummingMergeTree()
            PARTITION BY toYYYYMM(minute)
            ORDER BY (tenant_id, minute, resource, kind, service)
            """,
            $"""
            CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{ByMinuteTable}_mv TO {db}.{ByMinuteTable} AS
            SELECT toStartOfMinute(occurred_at) AS minute, tenant_id, service, kind, resource,
                count() AS events,
                countIf(status != 'ok') AS errors,
                sum(input_tokens) AS input_tokens,
                sum(output_tokens) AS output_tokens,
                sum(cached_tokens) AS cached_tokens,
                sum(toInt64(floor(compute_ms * 1000 + 0.5))) AS compute_us,
                sum(cost_usd) AS cost_usd
            FROM {db}.{UsageSql.Table}
            GROUP BY minute, tenant_id, service, kind, resource
            """,
            // Latency percentiles per minute, tenant and resource, mergeable across any range.
            $"""
            CREATE TABLE IF NOT EXISTS {db}.{LatencyByMinuteTable} (
                minute DateTime('UTC'),
                tenant_id String,
                kind String,
                resource String,
                total_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64),
                queue_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64)
            ) ENGINE = AggregatingMergeTree()
            PARTITION BY toYYYYMM(minute)
            ORDER BY (tenant_id, minute, resource, kind)
            """,
            $"""
            CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{LatencyByMinuteTable}_mv TO {db}.{LatencyByMinuteTable} AS
            SELECT toStartOfMinute(occurred_at) AS minute, tenant_id, kind, resource,
                quantilesTDigestState(0.5, 0.9, 0.99)(total_ms) AS total_ms,
                quantilesTDigestState(0.5, 0.9, 0.99)(queue_ms) AS queue_ms
            FROM {db}.{UsageSql.Table}
            GROUP BY minute, tenant_id, kind, resource
            """,
        ];
    }

    /// <summary>Returns <paramref name="name"/> when it is a plain identifier; database names are never quoted or escaped.</summary>
    public static string CheckIdentifier(string name) =>
        IsIdentifier(name)
            ? name
            : throw new ArgumentException($"'{name}' is not a valid ClickHouse database name (letters, digits, underscores; not starting with a digit)", nameof(name));

    public static bool IsIdentifier(string? name) => name is not null && IdentifierPattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
