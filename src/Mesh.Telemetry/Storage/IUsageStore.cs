namespace Mesh.Telemetry.Storage;

/// <summary>
/// Where priced usage events are kept and aggregated: DuckDB embedded, or an analytical
/// server when the mesh is distributed. Inserts are atomic and idempotent on the event id.
/// </summary>
public interface IUsageStore
{
    /// <summary>The SQL the store speaks; analytics generate their statements with it.</summary>
    SqlDialect Dialect { get; }

    /// <summary>
    /// Stores a batch in one transaction; ids already stored or repeated in the batch are skipped.
    /// The batch is read once, in order: a caller may decode each record as it is read, and a store
    /// keeps no more of them at once than it must.
    /// </summary>
    Task<InsertResult> InsertAsync(IEnumerable<UsageRecord> batch, CancellationToken cancellationToken);

    /// <summary>Aggregates the events matching <paramref name="query"/>.</summary>
    Task<UsageQueryResult> QueryAsync(UsageQuerySpec query, CancellationToken cancellationToken);

    /// <summary>Runs a read statement and returns its columns and rows, every value as invariant text (null for NULL).</summary>
    Task<SqlRows> ReadAsync(SqlStatement statement, SqlReadLimits limits, CancellationToken cancellationToken);

    /// <summary>Runs one write statement (a price list insert) atomically.</summary>
    Task ExecuteAsync(SqlStatement statement, CancellationToken cancellationToken);

    /// <summary>Runs write statements in order: in one transaction where the engine has them (DuckDB), else one by one.</summary>
    Task ExecuteAllAsync(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken);
}

/// <summary>What an insert did: rows newly stored, and rows skipped because their id was already there.</summary>
public sealed record InsertResult(int Stored, int Duplicates);

/// <summary>A result: column names and engine types, and rows of invariant text (null for NULL).</summary>
public sealed record SqlRows(IReadOnlyList<SqlRowsColumn> Columns, IReadOnlyList<string?[]> Rows, bool Truncated);

public sealed record SqlRowsColumn(string Name, string Type);

/// <summary>How long a read may run and how many rows it returns (more are dropped and flagged).</summary>
public sealed record SqlReadLimits(TimeSpan Timeout, int MaxRows, bool UserQuery = false)
{
    public static SqlReadLimits Internal { get; } = new(TimeSpan.FromMinutes(2), int.MaxValue);
}
