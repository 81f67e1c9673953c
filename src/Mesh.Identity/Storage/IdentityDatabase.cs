using Mesh.Hosting.Storage;
using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Storage;

/// <summary>
/// Identity's embedded SQLite database (principals, keys, relations, budgets). Writes open a
/// connection each; the lookups on the request path read through pooled sessions whose statements
/// stay prepared (<see cref="Read"/>).
/// </summary>
public sealed class IdentityDatabase : SqliteDatabase, IDisposable
{
    private readonly ReadSessionPool _reads;

    public IdentityDatabase(string path)
        : base(path, CreateSchema, synchronousFull: false) =>
        _reads = new ReadSessionPool(Open, capacity: 2 * Environment.ProcessorCount); // a session for each check running at once, and spares

    /// <summary>A consistent read of the latest committed state; dispose it when done.</summary>
    internal ReadSnapshot Read() => _reads.Read();

    /// <summary>Closes the idle read sessions (and those still in use as they come back).</summary>
    public void Dispose() => _reads.Dispose();

    private static void CreateSchema(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, IdentitySchema.Create, transaction);
        using var check = Command(connection, IdentitySchema.HasReservationState, transaction);
        if ((long)check.ExecuteScalar()! == 0)
        {
            Execute(connection, IdentitySchema.AddReservationState, transaction);
        }
    }
}
