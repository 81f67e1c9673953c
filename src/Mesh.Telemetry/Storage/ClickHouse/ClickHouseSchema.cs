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
/// then the ids). Only events that can be stored already are looked up: not those known to
/// arrive for the first time (<see cref="UsageRecord.FirstArrival"/>: their producer's first
/// send, past the tail of a partition an earlier owner may have read). A batch is one insert,
/// one block, one part: stored whole or not at all, so a retried batch, every event of it
/// looked up, finds exactly the rows of the attempt that did land.</item>
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
/// Roll-ups. The hourly table is fed by the inserts the first layer already
/// de-duplicated, so they are exact, except in the race of the second layer: a consumer
/// presumed dead that still writes a batch in flight while the partitions' new owner writes the
/// same records. Both inserts feed the materialized views, and a SummingMergeTree or
/// AggregatingMergeTree cannot tell copies apart, so those minutes count the batch twice until
/// they are rebuilt. Deduplication before insert cannot close it (the writers are two
/// processes that each find the ids absent), and exact roll-ups would need fencing the
/// ClickHouse write with the Kafka offsets or re-aggregating from <c>usage_events FINAL</c>,
/// both far costlier than the race is likely: the ingestor drops its pending records the
/// moment it learns its partitions are revoked or lost, so only what it writes before learning
/// it (a batch in flight, about one heartbeat interval) can be doubled. Hence: the roll-up serves
/// breakdowns and time series of whole hours (the analytics RPCs read the partial hours at a
/// window's edges from <c>usage_events</c> FINAL) and is approximate in that case only; billing
/// and settlement never read it. A month
/// whose roll-up disagrees with <c>SELECT count() FROM usage_events FINAL</c> over the same
/// hours is rebuilt by dropping the roll-up's partition and inserting the view's SELECT over
/// <c>usage_events FINAL</c> for that month.
/// </para>
/// <para>
/// The daily roll-ups (<see cref="Rollups.RollupSchema"/>: latency histograms and usage sums
/// per day) have no view: the roll-up compactor rebuilds closed days from
/// <c>usage_events FINAL</c> off the insert path, so they are exact, race included; see
/// <see cref="Rollups.RollupCompactor"/>.
/// </para>
/// </remarks>
public static partial class ClickHouseSchema
{
    public const string DefaultDatabase = "mesh";
    public const string HourlyTable = "usage_hourly";

    /// <summary>Roll-ups of earlier releases that nothing read; the migration drops them.</summary>
    private static readonly string[] RetiredTables = ["usage_by_minute_mv", "usage_by_minute", "usage_latency_by_minute_mv", "usage_latency_by_minute"];

    /// <summary>Columns added to <c>usage_events</c> after its first release, with their types, in order.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> AddedColumns =
    [
        ("reasoning_tokens", "Int64"),
        ("ttft_ms", "Float64"),
        ("priced_as", "String"),
    ];

    /// <summary>The columns of <c>usage_events</c>, in the order inserts write them.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "event_id", "occurred_at", "occurred_us", "tenant_id", "principal_id", "agent_id", "run_id", "step_id",
        "service", "kind", "resource", "resource_version", "device", "input_tokens", "output_tokens", "cached_tokens",
        "queue_ms", "compute_ms", "total_ms", "batch_size", "status", "cost_usd", "price_version", "attributes",
        "trace_id", "ingested_at", "reasoning_tokens", "ttft_ms", "priced_as",
    ];

    /// <summary>The statements that create the schema, in order; each is idempotent.</summary>
    public static IReadOnlyList<string> Statements(string database)
    {
        var db = CheckIdentifier(database);
        return
        [
            $"CREATE DATABASE IF NOT EXISTS {db}",
            .. RetiredTables.Select(t => $"DROP TABLE IF EXISTS {db}.{t}"),
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
                ingested_at DateTime('UTC'),
                reasoning_tokens Int64,
                ttft_ms Float64,
                priced_as String
            ) ENGINE = ReplacingMergeTree()
            PARTITION BY toYYYYMM(occurred_at)
            ORDER BY (tenant_id, occurred_at, event_id)
            """,
            // Cost and usage per hour, tenant, service, kind, resource, version, device and status:
            // what breakdowns and hourly-or-coarser time series read for whole hours (see remarks).
            $"""
            CREATE TABLE IF NOT EXISTS {db}.{HourlyTable} (
                hour DateTime('UTC'),
                tenant_id String,
                service String,
                kind String,
                resource String,
                resource_version String,
                device String,
                status String,
                events Int64,
                input_tokens Int64,
                output_tokens Int64,
                cached_tokens Int64,
                reasoning_tokens Int64,
                compute_us Int64,
                cost_usd Decimal(38, 9)
            ) ENGINE = SummingMergeTree()
            PARTITION BY toYYYYMM(hour)
            ORDER BY (tenant_id, hour, resource, resource_version, kind, service, device, status)
            """,
            $"""
            CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{HourlyTable}_mv TO {db}.{HourlyTable} AS
            SELECT toStartOfHour(occurred_at) AS hour, tenant_id, service, kind, resource, resource_version, device, status,
                toInt64(count()) AS events,
                sum(input_tokens) AS input_tokens,
                sum(output_tokens) AS output_tokens,
                sum(cached_tokens) AS cached_tokens,
                sum(reasoning_tokens) AS reasoning_tokens,
                sum(toInt64(floor(compute_ms * 1000 + 0.5))) AS compute_us,
                sum(toDecimal128(cost_usd, 9)) AS cost_usd
            FROM {db}.{UsageSql.Table}
            GROUP BY hour, tenant_id, service, kind, resource, resource_version, device, status
            """,
            .. Rollups.RollupSchema.ClickHouseStatements(db),
            // Alert rules, append-only: the latest row of an id is the rule (deleted = 1 once removed).
            $"""
            CREATE TABLE IF NOT EXISTS {db}.alert_rules (
                id String,
                tenant_id String,
                written_at DateTime('UTC'),
                deleted Int32,
                rule String
            ) ENGINE = MergeTree()
            ORDER BY (tenant_id, id, written_at)
            """,
            // Capability metadata for VRIO, append-only: the latest row of a tenant and capability wins.
            $"""
            CREATE TABLE IF NOT EXISTS {db}.vrio_capabilities (
                tenant_id String,
                kind String,
                name String,
                version String,
                written_at DateTime('UTC'),
                seq Int64,
                metadata String
            ) ENGINE = MergeTree()
            ORDER BY (tenant_id, kind, name, version, written_at, seq)
            """,
            // Price lists, one row per line; a list is one insert (one block), so it lands whole.
            $"""
            CREATE TABLE IF NOT EXISTS {db}.{PriceListSql.Table} (
                version String,
                effective_from DateTime('UTC'),
                created_at DateTime('UTC'),
                created_by String,
                description String,
                resource String,
                resource_version String,
                device_class String,
                min_input_tokens Int64,
                input_per_million Decimal(18, 9),
                output_per_million Decimal(18, 9),
                cached_per_million Nullable(Decimal(18, 9)),
                per_call Decimal(18, 9),
                per_compute_second Decimal(18, 9)
            ) ENGINE = MergeTree()
            ORDER BY (effective_from, version, resource)
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
