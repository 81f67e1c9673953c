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
            priced_as VARCHAR NOT NULL DEFAULT ''
        )
        """;

    /// <summary>Columns added after the first release, for files created before them (appended, in this order).</summary>
    public static readonly IReadOnlyList<string> AddedColumns =
    [
        $"ALTER TABLE {UsageSql.Table} ADD COLUMN IF NOT EXISTS reasoning_tokens BIGINT DEFAULT 0",
        $"ALTER TABLE {UsageSql.Table} ADD COLUMN IF NOT EXISTS ttft_ms DOUBLE DEFAULT 0",
        $"ALTER TABLE {UsageSql.Table} ADD COLUMN IF NOT EXISTS priced_as VARCHAR DEFAULT ''",
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

    /// <summary>Moves the staged batch in, skipping ids already stored; the row count is what was stored.</summary>
    public const string MergeStaging = $"INSERT OR IGNORE INTO {UsageSql.Table} SELECT * FROM {StagingTable}";
}
