using Mesh.Identity.ApiKeys;
using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.Tokens;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Postgres.Tests;

/// <summary>What the principal, API key, signing key and relation stores guarantee, run against SQLite and PostgreSQL.</summary>
public abstract class AccessStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private StoreBackend? _backend;

    private StoreBackend Stores => _backend!;

    public async Task InitializeAsync() => _backend = await OpenAsync();

    public Task DisposeAsync()
    {
        _backend?.Dispose();
        return Task.CompletedTask;
    }

    protected abstract Task<StoreBackend> OpenAsync();

    [Fact]
    public void TryAddPrincipal_SameIdTwice_SecondRefusedAndKindsFiltered()
    {
        Assert.True(Stores.Principals.TryAddTenant(new TenantRecord("acme", "Acme", Now)));
        Assert.False(Stores.Principals.TryAddTenant(new TenantRecord("acme", "Acme again", Now)));
        Assert.True(Stores.Principals.TryAddPrincipal(new PrincipalRecord("acme", "carol", PrincipalKind.User, "Carol", Now)));
        Assert.True(Stores.Principals.TryAddPrincipal(new PrincipalRecord("acme", "helper", PrincipalKind.Agent, "Helper", Now)));

        Assert.False(Stores.Principals.TryAddPrincipal(new PrincipalRecord("acme", "carol", PrincipalKind.Agent, "Other", Now)));
        Assert.Equal("Acme", Stores.Principals.FindTenant("acme")!.DisplayName);
        Assert.Equal(PrincipalKind.User, Stores.Principals.FindPrincipal("acme", "carol")!.Kind);
        Assert.Equal(["helper"], Stores.Principals.Principals("acme", PrincipalKind.Agent).Select(p => p.Id));
        Assert.Equal(["carol", "helper"], Stores.Principals.Principals("acme", null).Select(p => p.Id));
        Assert.Null(Stores.Principals.FindPrincipal("globex", "carol"));
    }

    [Fact]
    public void Revoke_KeyOfTheTenant_SeenByAnotherOpeningOfTheDatabase()
    {
        var scope = new AccessScope { Tools = ["calculator"] };
        Stores.ApiKeys.Add(new ApiKeyRecord("k1", [1, 2, 3], "acme", "carol", "laptop", scope, Now, Now.AddDays(30), null));
        using var replica = Stores.OpenAgain();

        Assert.False(Stores.ApiKeys.Revoke("globex", "k1", Now));
        Assert.True(Stores.ApiKeys.Revoke("acme", "k1", Now.AddMinutes(1)));
        var seen = replica.ApiKeys.Find("k1")!;

        Assert.Equal((Now.AddMinutes(1), Now.AddDays(30)), (seen.RevokedAt, seen.ExpiresAt));
        Assert.Equal([1, 2, 3], seen.Digest);
        Assert.Equal(["calculator"], seen.Scope.Tools);
        Assert.Equal(["k1"], replica.ApiKeys.List("acme", "carol").Select(k => k.KeyId));
        Assert.Empty(replica.ApiKeys.List("acme", "dave"));
    }

    [Fact]
    public void Rotate_ThreeTimes_OneCurrentKeyAndRetiredOnesUntilTheirTime()
    {
        Stores.SigningKeys.Rotate(new SigningKeyRecord("a", [1], Now, null), Now);
        Stores.SigningKeys.Rotate(new SigningKeyRecord("b", [2], Now.AddSeconds(1), null), Now.AddHours(1));
        Stores.SigningKeys.Rotate(new SigningKeyRecord("c", [3], Now.AddSeconds(2), null), Now.AddHours(2));

        var active = Stores.SigningKeys.Active(Now.AddMinutes(90));

        Assert.Equal(["c", "b"], active.Select(k => k.KeyId));
        Assert.Equal([null, Now.AddHours(2)], active.Select(k => k.RetiresAt));
        Assert.Equal([3], active[0].PrivateKey);
    }

    [Fact]
    public async Task Rotate_ConcurrentlyFromTwoOpenings_ExactlyOneCurrentKey()
    {
        using var replica = Stores.OpenAgain();
        using var start = new ManualResetEventSlim();

        var rotations = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            start.Wait(TimeSpan.FromSeconds(30));
            (i % 2 == 0 ? Stores : replica).SigningKeys.Rotate(new SigningKeyRecord($"k{i}", [(byte)i], Now.AddMilliseconds(i), null), Now.AddHours(1));
        })).ToList();
        start.Set();
        await Task.WhenAll(rotations).WaitAsync(TimeSpan.FromSeconds(60));

        var active = replica.SigningKeys.Active(Now);
        Assert.Equal(16, active.Count);
        Assert.Single(active, k => k.RetiresAt is null);
    }

    [Fact]
    public void Write_AddThenRemove_RevisionRisesAndChangedCountsOnlyRealChanges()
    {
        var tuple = Tuple("tool:search", "invoker", "user:carol");

        var added = Stores.Relations.Write("acme", [tuple, tuple, Tuple("tool:search", "invoker", "group:ml#member")], []);
        var again = Stores.Relations.Write("acme", [tuple], []);
        var removed = Stores.Relations.Write("acme", [], [tuple, Tuple("tool:search", "invoker", "user:nobody")]);

        Assert.Equal(2, added.Changed);
        Assert.Equal(0, again.Changed);
        Assert.Equal(1, removed.Changed);
        Assert.True(added.Revision < again.Revision && again.Revision < removed.Revision);
        using var reader = Stores.Relations.OpenReader("acme");
        Assert.Equal(removed.Revision, reader.Revision);
        Assert.Equal(["group:ml#member"], reader.Read("tool", "search", "", null).Select(t => t.Subject.ToString()));
    }

    [Fact]
    public void Reader_AnswersDirectWildcardUsersetAndLists()
    {
        Stores.Relations.Write("acme",
        [
            Tuple("tool:search", "invoker", "group:ml#member"),
            Tuple("tool:clock", "invoker", "user:*"),
            Tuple("group:ml", "member", "user:carol"),
        ], []);
        Stores.Relations.Write("globex", [Tuple("tool:other", "invoker", "user:carol")], []);
        using var reader = Stores.Relations.OpenReader("acme");
        var carol = new ObjectRef("user", "carol");

        Assert.True(reader.HasDirect(new ObjectRef("group", "ml"), "member", carol));
        Assert.True(reader.HasDirect(new ObjectRef("tool", "clock"), "invoker", carol));
        Assert.False(reader.HasDirect(new ObjectRef("tool", "search"), "invoker", carol));
        Assert.Equal([new ObjectRef("group", "ml", "member")], reader.Usersets(new ObjectRef("tool", "search"), "invoker"));
        Assert.Empty(reader.Usersets(new ObjectRef("group", "ml"), "member"));
        Assert.True(reader.Any(new ObjectRef("tool", "search"), "invoker"));
        Assert.False(reader.Any(new ObjectRef("tool", "other"), "invoker"));
        Assert.Equal(["clock", "search"], reader.ObjectIds("tool", "invoker"));
        Assert.Equal(["group:ml#member@user:carol"], reader.Read("", "", "", carol).Select(t => t.ToString()));
    }

    [Fact]
    public void OpenReader_WriteCommittedAfterItsFirstRead_ReaderKeepsItsSnapshot()
    {
        var first = Stores.Relations.Write("acme", [Tuple("tool:search", "invoker", "user:carol")], []);
        using var replica = Stores.OpenAgain();
        using var reader = Stores.Relations.OpenReader("acme");
        var search = new ObjectRef("tool", "search");
        Assert.True(reader.Any(search, "invoker"));

        var second = replica.Relations.Write("acme", [], [Tuple("tool:search", "invoker", "user:carol")]);

        Assert.True(reader.HasDirect(search, "invoker", new ObjectRef("user", "carol")));
        Assert.Equal(first.Revision, reader.Revision);
        using var later = Stores.Relations.OpenReader("acme");
        Assert.False(later.Any(search, "invoker"));
        Assert.Equal(second.Revision, later.Revision);
    }

    private static RelationTuple Tuple(string obj, string relation, string subject)
    {
        Assert.True(ObjectRef.TryParse(obj, out var o));
        Assert.True(ObjectRef.TryParse(subject, out var s));
        return new RelationTuple(o, relation, s);
    }
}

public sealed class SqliteAccessStoreTests : AccessStoreContract
{
    protected override Task<StoreBackend> OpenAsync() => Task.FromResult<StoreBackend>(new SqliteBackend(TimeProvider.System));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAccessStoreTests(PostgresFixture postgres) : AccessStoreContract
{
    protected override async Task<StoreBackend> OpenAsync() => new PostgresBackend(await postgres.NewDatabaseAsync(), TimeProvider.System);
}
