using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.Storage;

namespace Mesh.Identity.Tests;

/// <summary>A SQLite identity database in a temporary file, its relation and principal stores, and a permission engine over them.</summary>
public sealed class SqliteStores : IDisposable
{
    private readonly string _path;

    public SqliteStores(string name)
    {
        _path = Path.Combine(Path.GetTempPath(), $"mesh-{name}-{Guid.NewGuid():N}.db");
        Database = new IdentityDatabase(_path);
        Relations = new SqliteRelationStore(Database);
        Principals = new SqlitePrincipalStore(Database);
        Engine = new PermissionEngine(Relations, Principals, new CheckCache());
    }

    public IdentityDatabase Database { get; }

    public SqliteRelationStore Relations { get; }

    public SqlitePrincipalStore Principals { get; }

    public PermissionEngine Engine { get; }

    /// <summary>A relation tuple from its written form: <c>tool:search</c>, <c>invoker</c>, <c>user:carol</c>.</summary>
    public static RelationTuple Tuple(string obj, string relation, string subject)
    {
        Assert.True(ObjectRef.TryParse(obj, out var o));
        Assert.True(ObjectRef.TryParse(subject, out var s));
        return new RelationTuple(o, relation, s);
    }

    public void Dispose()
    {
        Database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
