using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Tests;

/// <summary>Decisions served from the check cache: never one computed on another revision, nor for another kind of asker.</summary>
public sealed class CheckCacheTests : IDisposable
{
    private static readonly CheckSubject Carol = new("acme", new ObjectRef("user", "carol"), IsMeshAdmin: false, IsCaller: true);
    private readonly SqliteStores _stores = new("check-cache");

    [Fact]
    public void Check_GroupMembershipRemovedAfterACachedAllow_NextCheckIsDenied()
    {
        _stores.Relations.Write("acme", [Tuple("tool:search", "invoker", "group:ml#member"), Tuple("group:ml", "member", "user:carol")], []);
        var tool = new ObjectRef("tool", "search");
        var first = _stores.Engine.Check(Carol, tool, "invoker");
        var again = _stores.Engine.Check(Carol, tool, "invoker");

        // The tool's own relations do not change: only the group it names does.
        var removed = _stores.Relations.Write("acme", [], [Tuple("group:ml", "member", "user:carol")]);
        var afterRemoval = _stores.Engine.Check(Carol, tool, "invoker");

        Assert.True(first.Allowed);
        Assert.True(again.Allowed);
        Assert.False(afterRemoval.Allowed);
        Assert.Equal(removed.Revision, afterRemoval.Revision);
    }

    [Fact]
    public void Check_WriteInAnotherTenant_DecisionStillRight()
    {
        _stores.Relations.Write("acme", [Tuple("tool:search", "invoker", "user:carol")], []);
        var tool = new ObjectRef("tool", "search");
        var before = _stores.Engine.Check(Carol, tool, "invoker");

        var other = _stores.Relations.Write("globex", [Tuple("tool:search", "invoker", "user:carol")], []);
        var after = _stores.Engine.Check(Carol, tool, "invoker");

        Assert.True(before.Allowed);
        Assert.True(after.Allowed);
        Assert.Equal(other.Revision, after.Revision);
    }

    [Fact]
    public void Check_SameAdminWithOwnAndDelegatedCredential_EachGetsItsOwnAnswer()
    {
        _stores.Relations.Write("acme", [Tuple("tenant:acme", "admin", "user:carol"), Tuple("tool:search", "invoker", "user:dave")], []);
        var tool = new ObjectRef("tool", "search");
        var delegated = Carol with { Delegated = true };

        var own = _stores.Engine.Check(Carol, tool, "invoker");
        var asAgent = _stores.Engine.Check(delegated, tool, "invoker");
        var ownAgain = _stores.Engine.Check(Carol, tool, "invoker");
        var asAgentAgain = _stores.Engine.Check(delegated, tool, "invoker");

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
        var before = _stores.Engine.Check(dave, tenant, "member");

        _stores.Principals.TryAddPrincipal(new PrincipalRecord("acme", "dave", PrincipalKind.User, "Dave", DateTimeOffset.UnixEpoch));
        var after = _stores.Engine.Check(dave, tenant, "member");

        Assert.False(before.Allowed);
        Assert.True(after.Allowed);
        Assert.Equal(before.Revision, after.Revision);
    }

    [Fact]
    public void Check_MoreDistinctChecksThanTheCacheHolds_EveryAnswerStaysRight()
    {
        _stores.Relations.Write("acme", [Tuple("tool:even", "invoker", "user:member-0")], []);
        var even = new ObjectRef("tool", "even");
        var wrong = 0;
        for (var i = 0; i < CheckCache.Capacity + 100; i++)
        {
            var subject = Carol with { Subject = new ObjectRef("user", $"member-{i % 2}") };
            var allowed = _stores.Engine.Check(subject, i < 100 ? even : new ObjectRef("tool", $"other-{i}"), "invoker").Allowed;
            wrong += i < 100 && allowed != (i % 2 == 0) ? 1 : 0;
        }

        var afterFilling = _stores.Engine.Check(Carol with { Subject = new ObjectRef("user", "member-1") }, even, "invoker");

        Assert.Equal(0, wrong);
        Assert.False(afterFilling.Allowed);
    }

    public void Dispose() => _stores.Dispose();

    private static RelationTuple Tuple(string obj, string relation, string subject) => SqliteStores.Tuple(obj, relation, subject);
}
