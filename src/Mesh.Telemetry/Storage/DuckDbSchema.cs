namespace Mesh.Telemetry.Storage;

/// <summary>The DuckDB tables usage is kept in.</summary>
internal static class DuckDbSchema
{
    /// <summary>A per-connection temporary table each batch is appended to before it is merged.</summary>
    public const string StagingTable = "usage_staging";

    public const string CreateEvents = $"""
        CREATE TABLE IF NOT EXISTS {UsageSql.Table} (
            event_id UUID PRIMARY KEY,
            occurred_at TIMESTAMP NOT NULL,
            tenant_id VARCHAR NOT NULL,
            principal_id VARCHAR NOT NULL,
            agent_id VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL,
            step_id VARCHAR NOT NULL,
            service VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            resource VARCHAR NOT NULL,
            resource_version VARCHAR NOT NULL,
            device VARCHAR NOT NULL,
            input_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            cached_tokens BIGINT NOT NULL,
            queue_ms DOUBLE NOT NULL,
            compute_ms DOUBLE NOT NULL,
            total_ms DOUBLE NOT NULL,
            batch_size INTEGER NOT NULL,
            status VARCHAR NOT NULL,
            cost_usd DECIMAL(18,9) NOT NULL,
            price_version VARCHAR NOT NULL,
            attributes VARCHAR NOT NULL,
            trace_id VARCHAR NOT NULL,
            reasoning_tokens BIGINT NOT NULL DEFAULT 0,
            ttft_ms DOUBLE NOT NULL DEFAULT 0,
            priced_as VARCHAR NOT NULL DEFAULT '',
            ingest_seq BIGINT NOT NULL DEFAULT 0
        )
        """;

    /// <summary>Columns added after the first release, for files created before them (appended, in this order).</summary>
    public static readonly IReadOnlyList<string> AddedColumns =
    [
        $"ALTER TABLE {UsageSql.Table} ADD COLUMN IF NOT EXISTS reasoning_tokens BIGINT DEFAULT 0",
        $"ALTER TABLE {UsageSql.Table} ADD COLUMN IF NOT EXISTS ttft_ms DOUBLE DEFAULT 0",
        $"ALTER TABLE {UsageSql.Table} ADD COLUMN IF NOT EXISTS priced_as VARCHAR DEFAULT ''",
        // The batch an event came in: what the roll-up compactor's watermark counts (0 before it existed).
        $"ALTER TABLE {UsageSql.Table} ADD COLUMN IF NOT EXISTS ingest_seq BIGINT DEFAULT 0",
    ];

    /// <summary>Price lists, one row per line; a list is all rows of its version, written in one transaction.</summary>
    public const string CreatePriceLists = $"""
        CREATE TABLE IF NOT EXISTS {PriceListSql.Table} (
            version VARCHAR NOT NULL,
            effective_from TIMESTAMP NOT NULL,
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL,
            description VARCHAR NOT NULL,
            resource VARCHAR NOT NULL,
            resource_version VARCHAR NOT NULL,
            device_class VARCHAR NOT NULL,
            min_input_tokens BIGINT NOT NULL,
            input_per_million DECIMAL(18,9) NOT NULL,
            output_per_million DECIMAL(18,9) NOT NULL,
            cached_per_million DECIMAL(18,9),
            per_call DECIMAL(18,9) NOT NULL,
            per_compute_second DECIMAL(18,9) NOT NULL
        )
        """;

    public const string CreateStaging = $"CREATE TEMP TABLE IF NOT EXISTS {StagingTable} AS SELECT * FROM {UsageSql.Table} LIMIT 0";

    public const string ClearStaging = $"DELETE FROM {StagingTable}";

    public const string HourlyTable = "usage_hourly";

    /// <summary>Alert rules, append-only: the latest row of an id is the rule (deleted = 1 once removed).</summary>
    public const string CreateAlertRules = """
        CREATE TABLE IF NOT EXISTS alert_rules (
            id VARCHAR NOT NULL,
            tenant_id VARCHAR NOT NULL,
            written_at TIMESTAMP NOT NULL,
            deleted INTEGER NOT NULL,
            rule VARCHAR NOT NULL
        )
        """;

    /// <summary>Capability metadata for VRIO, append-only: the latest row of a tenant and capability is its metadata.</summary>
    public const string CreateVrioCapabilities = """
        CREATE TABLE IF NOT EXISTS vrio_capabilities (
            tenant_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            version VARCHAR NOT NULL,
            written_at TIMESTAMP NOT NULL,
            seq BIGINT NOT NULL,
            metadata VARCHAR NOT NULL
        )
        """;

    /// <summary>Cost and usage per hour and tenant, service, kind, resource, version, device and status (as ClickHouse's roll-up).</summary>
    public const string CreateHourly = $"""
        CREATE TABLE IF NOT EXISTS {HourlyTable} (
            hour TIMESTAMP NOT NULL,
            tenant_id VARCHAR NOT NULL,
            service VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            resource VARCHAR NOT NULL,
            resource_version VARCHAR NOT NULL,
            device VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            events BIGINT NOT NULL,
            input_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            cached_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL,
            compute_us BIGINT NOT NULL,
            cost_usd DECIMAL(38,9) NOT NULL,
            PRIMARY KEY (hour, tenant_id, service, kind, resource, resource_version, device, status)
        )
        """;

    private const string HourlySelect = """
        SELECT date_trunc('hour', occurred_at) AS hour, tenant_id, service, kind, resource, resource_version, device, status,
            COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(COALESCE(reasoning_tokens, 0)),
            SUM(CAST(FLOOR(compute_ms * 1000 + 0.5) AS BIGINT)), SUM(CAST(cost_usd AS DECIMAL(38,9)))
        """;

    private const string HourlyGroup = " GROUP BY date_trunc('hour', occurred_at), tenant_id, service, kind, resource, resource_version, device, status";

    /// <summary>Fills the roll-up from every stored event (once, when the table is new).</summary>
    public const string BackfillHourly = $"INSERT INTO {HourlyTable} {HourlySelect} FROM {UsageSql.Table}{HourlyGroup}";

    /// <summary>Adds the staged (new) events to the roll-up.</summary>
    public const string RollUpStaging = $"""
        INSERT INTO {HourlyTable} {HourlySelect} FROM {StagingTable}{HourlyGroup}
        ON CONFLICT (hour, tenant_id, service, kind, resource, resource_version, device, status) DO UPDATE SET
            events = events + EXCLUDED.events,
            input_tokens = input_tokens + EXCLUDED.input_tokens,
            output_tokens = output_tokens + EXCLUDED.output_tokens,
            cached_tokens = cached_tokens + EXCLUDED.cached_tokens,
            reasoning_tokens = reasoning_tokens + EXCLUDED.reasoning_tokens,
            compute_us = compute_us + EXCLUDED.compute_us,
            cost_usd = cost_usd + EXCLUDED.cost_usd
        """;

    /// <summary>Drops staged events already stored (looking only at the batch's time span), so the roll-up counts each once.</summary>
    public const string DropStoredFromStaging = $"""
        DELETE FROM {StagingTable} WHERE event_id IN (
            SELECT event_id FROM {UsageSql.Table}
            WHERE occurred_at >= (SELECT MIN(occurred_at) FROM {StagingTable}) AND occurred_at <= (SELECT MAX(occurred_at) FROM {StagingTable}))
        """;

    public const string HourlyExists = $"SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '{HourlyTable}'";

    /// <summary>Moves the staged batch in, skipping ids already stored; the row count is what was stored.</summary>
    public const string MergeStaging = $"INSERT OR IGNORE INTO {UsageSql.Table} SELECT * FROM {StagingTable}";
}
