using Mesh.Hosting.Storage;

namespace Mesh.Tools.Storage;

/// <summary>
/// The tools service's embedded SQLite database, with <c>synchronous=FULL</c>: idempotency
/// records must survive a power loss.
/// </summary>
public sealed class ToolsDatabase(string path)
    : SqliteDatabase(path, (connection, transaction) => Execute(connection, ToolsSchema.Create, transaction), synchronousFull: true);
