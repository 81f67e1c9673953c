using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Tests;

/// <summary>Checks and lookups on the pooled read sessions of the SQLite database: each read sees the latest commit, and only its own session.</summary>
public sealed class PooledReadTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly CheckSubject Carol = new("acme", new ObjectRef("user", "carol"), IsMeshAdmin: false, IsCaller: true);
    private readonly SqliteStores _stores = new("pooled-reads");

    [Fact]
    public void Check_RelationWrittenThenDeletedBetweenChecks_EachNextCheckSeesIt()
    {
        var tool = new ObjectRef("tool", "search");
        _stores.Relations.Write("acme", [Tuple("tool:search", "invoker", "user:dave")], []);
        var before = _stores.Engine.Check(Carol, tool, "invoker");

        var added = _stores.Relations.Write("acme", [Tuple("tool:search", "invoker", "user:carol")], []);
        var afterAdd = _stores.Engine.Check(Carol, tool, "invoker");
        var removed = _stores.Relations.Write("acme", [], [Tuple("tool:search", "invoker", "user:carol")]);
        var afterRemove = _stores.Engine.Check(Carol, tool, "invoker");

        Assert.False(before.Allowed);
        Assert.True(afterAdd.Allowed);
        Assert.Equal(added.Revision, afterAdd.Revision);
        Assert.False(afterRemove.Allowed);
        Assert.Equal(removed.Revision, afterRemove.Revision);
    }

    [Fact]
    public async Task Check_ManyThreadsWhileARelationFlips_EveryAnswerMatchesTheRevisionItWasMadeOn()
    {
        var seeded = _stores.Relations.Write("acme", [
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
                    _ = i % 2 == 0 ? _stores.Relations.Write("acme", [flip], []) : _stores.Relations.Write("acme", [], [flip]);
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
                var flipped = _stores.Engine.Check(Carol, new ObjectRef("tool", "flip"), "invoker");
                if (flipped.Allowed != ((flipped.Revision - seeded) % 2 == 1))
                {
                    wrong.Add($"tool:flip allowed={flipped.Allowed} at revision {flipped.Revision}");
                }

                if (!_stores.Engine.Check(Carol, new ObjectRef("tool", "grouped"), "invoker").Allowed || _stores.Engine.Check(Carol, new ObjectRef("tool", "closed"), "invoker").Allowed)
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
        var first = _stores.Database.Read();
        first.Dispose();
        first.Dispose();

        // Were the session pooled twice, both reads would get it and the second would fail to begin its transaction.
        using var a = _stores.Database.Read();
        using var b = _stores.Database.Read();

        Assert.Equal(0L, (long)a.Command("SELECT value FROM revisions WHERE name = 'relations'").ExecuteScalar()!);
        Assert.Equal(0L, (long)b.Command("SELECT value FROM revisions WHERE name = 'relations'").ExecuteScalar()!);
    }

    [Fact]
    public void FindPrincipal_AddedAfterALookupMissedIt_NextLookupFindsIt()
    {
        var missing = _stores.Principals.FindPrincipal("acme", "carol");

        _stores.Principals.TryAddPrincipal(new PrincipalRecord("acme", "carol", PrincipalKind.Agent, "Carol", DateTimeOffset.UnixEpoch));

        Assert.Null(missing);
        Assert.Equal(PrincipalKind.Agent, _stores.Principals.FindPrincipal("acme", "carol")?.Kind);
    }

    [Fact]
    public void Dispose_WhileAReadIsOpen_TheReadStillEndsAndNewReadsAreRefused()
    {
        var open = _stores.Relations.OpenReader("acme");

        _stores.Database.Dispose();

        Assert.Equal(0L, open.Revision);
        open.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _stores.Relations.OpenReader("acme"));
    }

    public void Dispose() => _stores.Dispose();

    private static RelationTuple Tuple(string obj, string relation, string subject) => SqliteStores.Tuple(obj, relation, subject);
}
