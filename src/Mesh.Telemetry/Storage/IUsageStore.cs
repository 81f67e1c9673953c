namespace Mesh.Telemetry.Storage;

/// <summary>
/// Where priced usage events are kept and aggregated: DuckDB embedded, or an analytical
/// server when the mesh is distributed. Inserts are atomic and idempotent on the event id.
/// </summary>
public interface IUsageStore
{
    /// <summary>Stores a batch in one transaction; ids already stored or repeated in the batch are skipped.</summary>
    Task<InsertResult> InsertAsync(IReadOnlyList<UsageRecord> batch, CancellationToken cancellationToken);

    /// <summary>Aggregates the events matching <paramref name="query"/>.</summary>
    Task<UsageQueryResult> QueryAsync(UsageQuerySpec query, CancellationToken cancellationToken);
}

/// <summary>What an insert did: rows newly stored, and rows skipped because their id was already there.</summary>
public sealed record InsertResult(int Stored, int Duplicates);
