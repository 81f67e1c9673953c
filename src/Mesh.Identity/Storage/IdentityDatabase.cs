using Mesh.Hosting.Storage;
using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Storage;

/// <summary>Identity's embedded SQLite database (principals, keys, relations, budgets).</summary>
public sealed class IdentityDatabase(string path) : SqliteDatabase(path, CreateSchema, synchronousFull: false)
{
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
