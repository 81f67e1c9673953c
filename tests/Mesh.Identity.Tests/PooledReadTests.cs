using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.Storage;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Tests;

/// <summary>Checks and lookups on the pooled read sessions of the SQLite database: each read sees the latest commit, and only its own session.</summary>
public sealed class PooledReadTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly CheckSubject Carol = new("acme", new ObjectRef("user", "carol"), IsMeshAdmin: false, IsCaller: true);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"mesh-pooled-reads-{Guid.NewGuid():N}.db");
    private readonly IdentityDatabase _database;
    private readonly SqliteRelationStore _relations;
    private readonly SqlitePrincipalStore _principals;
    private readonly PermissionEngine _engine;

    public PooledReadTests()
    {
        _database = new IdentityDatabase(_path);
        _relations = new SqliteRelationStore(_database);
        _principals = new SqlitePrincipalStore(_database);
        _engine = new PermissionEngine(_relations, _principals, new CheckCache());
    }

    [Fact]
    public void Check_RelationWrittenThenDeletedBetweenChecks_EachNextCheckSeesIt()
    {
        var tool = new ObjectRef("tool", "search");
        _relations.Write("acme", [Tuple("tool:search", "invoker", "user:dave")], []);
        var before = _engine.Check(Carol, tool, "invoker");

        var added = _relations.Write("acme", [Tuple("tool:search", "invoker", "user:carol")], []);
        var afterAdd = _engine.Check(Carol, tool, "invoker");
        var removed = _relations.Write("acme", [], [Tuple("tool:search", "invoker", "user:carol")]);
        var afterRemove = _engine.Check(Carol, tool, "invoker");

        Assert.False(before.Allowed);
        Assert.True(afterAdd.Allowed);
        Assert.Equal(added.Revision, afterAdd.Revision);
        Assert.False(afterRemove.Allowed);
        Assert.Equal(removed.Revision, afterRemove.Revision);
    }

    [Fact]
    public async Task Check_ManyThreadsWhileARelationFlips_EveryAnswerMatchesTheRevisionItWasMadeOn()
    {
        var seeded = _relations.Write("acme", [
            Tuple("tool:flip", "invoker", "user:dave"),
            Tuple("tool:grouped", "invoker", "group:ml#member"),
            Tuple("group:ml", "member", "user:carol"),
            Tuple("tool:closed", "invoker", "user:dave"),
        ], []).Revision;
        var flip = Tuple("tool:flip", "invoker", "user:carol");
        using var stop = new CancellationTokenSource();

        var writer = Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < 200; i++)
                {
                    _ = i % 2 == 0 ? _relations.Write("acme", [flip], []) : _relations.Write("acme", [], [flip]);
                }
            }
            finally
            {
                stop.Cancel();
            }
        });
        var readers = Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            var wrong = new List<string>();
            for (var checks = 0; checks < 50 || !stop.IsCancellationRequested; checks++)
            {
                var flipped = _engine.Check(Carol, new ObjectRef("tool", "flip"), "invoker");
                if (flipped.Allowed != ((flipped.Revision - seeded) % 2 == 1))
                {
                    wrong.Add($"tool:flip allowed={flipped.Allowed} at revision {flipped.Revision}");
                }

                if (!_engine.Check(Carol, new ObjectRef("tool", "grouped"), "invoker").Allowed || _engine.Check(Carol, new ObjectRef("tool", "closed"), "invoker").Allowed)
                {
                    wrong.Add("a relation that never changes gave another answer");
                }
            }

            return wrong;
        })).ToList();

        await writer.WaitAsync(Timeout);
        var answers = await Task.WhenAll(readers).WaitAsync(Timeout);

        Assert.Empty(answers.SelectMany(wrong => wrong));
    }

    [Fact]
    public void Read_SnapshotDisposedTwice_ItsSessionGoesBackOnce()
    {
        var first = _database.Read();
        first.Dispose();
        first.Dispose();

        // Were the session pooled twice, both reads would get it and the second would fail to begin its transaction.
        using var a = _database.Read();
        using var b = _database.Read();

        Assert.Equal(0L, (long)a.Command("SELECT value FROM revisions WHERE name = 'relations'").ExecuteScalar()!);
        Assert.Equal(0L, (long)b.Command("SELECT value FROM revisions WHERE name = 'relations'").ExecuteScalar()!);
    }

    [Fact]
    public void FindPrincipal_AddedAfterALookupMissedIt_NextLookupFindsIt()
    {
        var missing = _principals.FindPrincipal("acme", "carol");

        _principals.TryAddPrincipal(new PrincipalRecord("acme", "carol", PrincipalKind.Agent, "Carol", DateTimeOffset.UnixEpoch));

        Assert.Null(missing);
        Assert.Equal(PrincipalKind.Agent, _principals.FindPrincipal("acme", "carol")?.Kind);
    }

    [Fact]
    public void Dispose_WhileAReadIsOpen_TheReadStillEndsAndNewReadsAreRefused()
    {
        var open = _relations.OpenReader("acme");

        _database.Dispose();

        Assert.Equal(0L, open.Revision);
        open.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _relations.OpenReader("acme"));
    }

    public void Dispose()
    {
        _database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }

    private static RelationTuple Tuple(string obj, string relation, string subject)
    {
        Assert.True(ObjectRef.TryParse(obj, out var o));
        Assert.True(ObjectRef.TryParse(subject, out var s));
        return new RelationTuple(o, relation, s);
    }
}
