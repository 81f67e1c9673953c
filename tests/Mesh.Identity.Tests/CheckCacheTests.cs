using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.Storage;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Tests;

/// <summary>Decisions served from the check cache: never one computed on another revision, nor for another kind of asker.</summary>
public sealed class CheckCacheTests : IDisposable
{
    private static readonly CheckSubject Carol = new("acme", new ObjectRef("user", "carol"), IsMeshAdmin: false, IsCaller: true);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"mesh-check-cache-{Guid.NewGuid():N}.db");
    private readonly IdentityDatabase _database;
    private readonly SqliteRelationStore _relations;
    private readonly SqlitePrincipalStore _principals;
    private readonly PermissionEngine _engine;

    public CheckCacheTests()
    {
        _database = new IdentityDatabase(_path);
        _relations = new SqliteRelationStore(_database);
        _principals = new SqlitePrincipalStore(_database);
        _engine = new PermissionEngine(_relations, _principals, new CheckCache());
    }

    [Fact]
    public void Check_GroupMembershipRemovedAfterACachedAllow_NextCheckIsDenied()
    {
        _relations.Write("acme", [Tuple("tool:search", "invoker", "group:ml#member"), Tuple("group:ml", "member", "user:carol")], []);
        var tool = new ObjectRef("tool", "search");
        var first = _engine.Check(Carol, tool, "invoker");
        var again = _engine.Check(Carol, tool, "invoker");

        // The tool's own relations do not change: only the group it names does.
        var removed = _relations.Write("acme", [], [Tuple("group:ml", "member", "user:carol")]);
        var afterRemoval = _engine.Check(Carol, tool, "invoker");

        Assert.True(first.Allowed);
        Assert.True(again.Allowed);
        Assert.False(afterRemoval.Allowed);
        Assert.Equal(removed.Revision, afterRemoval.Revision);
    }

    [Fact]
    public void Check_WriteInAnotherTenant_DecisionStillRight()
    {
        _relations.Write("acme", [Tuple("tool:search", "invoker", "user:carol")], []);
        var tool = new ObjectRef("tool", "search");
        var before = _engine.Check(Carol, tool, "invoker");

        var other = _relations.Write("globex", [Tuple("tool:search", "invoker", "user:carol")], []);
        var after = _engine.Check(Carol, tool, "invoker");

        Assert.True(before.Allowed);
        Assert.True(after.Allowed);
        Assert.Equal(other.Revision, after.Revision);
    }

    [Fact]
    public void Check_SameAdminWithOwnAndDelegatedCredential_EachGetsItsOwnAnswer()
    {
        _relations.Write("acme", [Tuple("tenant:acme", "admin", "user:carol"), Tuple("tool:search", "invoker", "user:dave")], []);
        var tool = new ObjectRef("tool", "search");
        var delegated = Carol with { Delegated = true };

        var own = _engine.Check(Carol, tool, "invoker");
        var asAgent = _engine.Check(delegated, tool, "invoker");
        var ownAgain = _engine.Check(Carol, tool, "invoker");
        var asAgentAgain = _engine.Check(delegated, tool, "invoker");

        Assert.True(own.Allowed);
        Assert.True(ownAgain.Allowed);
        Assert.False(asAgent.Allowed);
        Assert.False(asAgentAgain.Allowed);
    }

    [Fact]
    public void Check_AboutAnotherSubjectWhoBecomesAPrincipal_NotAnsweredFromBefore()
    {
        // Membership of a subject other than the caller comes from the principal store, which writes no relations revision.
        var dave = new CheckSubject("acme", new ObjectRef("user", "dave"), IsMeshAdmin: false, IsCaller: false);
        var tenant = new ObjectRef("tenant", "acme");
        var before = _engine.Check(dave, tenant, "member");

        _principals.TryAddPrincipal(new PrincipalRecord("acme", "dave", PrincipalKind.User, "Dave", DateTimeOffset.UnixEpoch));
        var after = _engine.Check(dave, tenant, "member");

        Assert.False(before.Allowed);
        Assert.True(after.Allowed);
        Assert.Equal(before.Revision, after.Revision);
    }

    [Fact]
    public void Check_MoreDistinctChecksThanTheCacheHolds_EveryAnswerStaysRight()
    {
        _relations.Write("acme", [Tuple("tool:even", "invoker", "user:member-0")], []);
        var even = new ObjectRef("tool", "even");
        var wrong = 0;
        for (var i = 0; i < CheckCache.Capacity + 100; i++)
        {
            var subject = Carol with { Subject = new ObjectRef("user", $"member-{i % 2}") };
            var allowed = _engine.Check(subject, i < 100 ? even : new ObjectRef("tool", $"other-{i}"), "invoker").Allowed;
            wrong += i < 100 && allowed != (i % 2 == 0) ? 1 : 0;
        }

        var afterFilling = _engine.Check(Carol with { Subject = new ObjectRef("user", "member-1") }, even, "invoker");

        Assert.Equal(0, wrong);
        Assert.False(afterFilling.Allowed);
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
