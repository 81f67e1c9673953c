using Mesh.Tools.Idempotency;
using Mesh.Tools.Storage;
using Mesh.Tools.Storage.Postgres;

namespace Mesh.Tools.Tests.Idempotency;

/// <summary>The rules every idempotency store follows, run against SQLite and against PostgreSQL.</summary>
public abstract class IdempotencyStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    protected static readonly byte[] Same = [1, 2, 3];
    protected static readonly byte[] Other = [9, 9, 9];
    protected static readonly CancellationToken None = CancellationToken.None;

    protected IIdempotencyStore Store { get; set; } = null!;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>Another store on the same data (the database reopened, or another replica's).</summary>
    protected abstract IIdempotencyStore Reopen();

    protected static IdempotencyClaimRequest Ask(string claimId, byte[]? fingerprint = null, string tenant = "acme", TimeSpan? holds = null) =>
        new(tenant, "k1", fingerprint ?? Same, "counter", claimId, Now + (holds ?? TimeSpan.FromMinutes(1)), Now.AddDays(7));

    [Fact]
    public async Task Claim_NewKey_ClaimedAndARepeatSeesItRunning()
    {
        Assert.Equal(ClaimState.Claimed, (await Store.ClaimAsync(Ask("a"), Now, None)).State);

        var repeat = await Store.ClaimAsync(Ask("b"), Now.AddSeconds(1), None);

        Assert.Equal(ClaimState.Running, repeat.State);
        Assert.Equal(Now.AddMinutes(1), repeat.RunningUntil);
        Assert.Null(await Store.PeekAsync("acme", "k1", Same, Now, None));
    }

    [Fact]
    public async Task Complete_ThenClaimAndPeek_AnswerTheStoredOutcome()
    {
        await Store.ClaimAsync(Ask("a"), Now, None);
        Assert.True(await Store.CompleteAsync("acme", "k1", "a", new StoredOutcome(0, "", "", [7, 8]), Now, Now.AddDays(7), None));

        var claimed = await Store.ClaimAsync(Ask("b"), Now.AddSeconds(1), None);
        var peeked = await Store.PeekAsync("acme", "k1", Same, Now.AddSeconds(1), None);

        Assert.Equal(ClaimState.Completed, claimed.State);
        Assert.Equal([7, 8], claimed.Outcome!.Response);
        Assert.Equal(ClaimState.Completed, peeked!.State);
    }

    [Fact]
    public async Task Claim_OtherFingerprint_MismatchWhileRunningAndOnceCompleted()
    {
        await Store.ClaimAsync(Ask("a"), Now, None);
        Assert.Equal(ClaimState.Mismatch, (await Store.ClaimAsync(Ask("b", Other), Now, None)).State);

        await Store.CompleteAsync("acme", "k1", "a", new StoredOutcome(3, "bad", "arguments_json/x", []), Now, Now.AddDays(7), None);

        Assert.Equal(ClaimState.Mismatch, (await Store.ClaimAsync(Ask("c", Other), Now, None)).State);
        Assert.Equal(ClaimState.Mismatch, (await Store.PeekAsync("acme", "k1", Other, Now, None))!.State);
        var stored = (await Store.ClaimAsync(Ask("d"), Now, None)).Outcome!;
        Assert.Equal((3, "bad", "arguments_json/x"), (stored.Status, stored.Detail, stored.Field));
    }

    [Fact]
    public async Task Claim_OtherTenantSameKey_ClaimedSeparately()
    {
        await Store.ClaimAsync(Ask("a"), Now, None);

        Assert.Equal(ClaimState.Claimed, (await Store.ClaimAsync(Ask("b", Other, tenant: "globex"), Now, None)).State);
    }

    [Fact]
    public async Task Claim_HolderLetItLapse_TakenOverAndTheOldHolderCannotComplete()
    {
        await Store.ClaimAsync(Ask("a", holds: TimeSpan.FromSeconds(5)), Now, None);

        var takeover = await Store.ClaimAsync(Ask("b"), Now.AddSeconds(6), None);

        Assert.Equal(ClaimState.Claimed, takeover.State);
        Assert.True(takeover.TakenOver);
        Assert.False(await Store.CompleteAsync("acme", "k1", "a", new StoredOutcome(0, "", "", []), Now, Now.AddDays(7), None));
        Assert.True(await Store.CompleteAsync("acme", "k1", "b", new StoredOutcome(0, "", "", [1]), Now, Now.AddDays(7), None));
    }

    [Fact]
    public async Task Release_ByHolder_NextCallClaims()
    {
        await Store.ClaimAsync(Ask("a"), Now, None);
        await Store.ReleaseAsync("acme", "k1", "someone-else", None);
        Assert.Equal(ClaimState.Running, (await Store.ClaimAsync(Ask("b"), Now, None)).State);

        await Store.ReleaseAsync("acme", "k1", "a", None);

        Assert.Equal(ClaimState.Claimed, (await Store.ClaimAsync(Ask("c"), Now, None)).State);
    }

    [Fact]
    public async Task Sweep_PastRetention_RecordRemovedAndKeyFree()
    {
        await Store.ClaimAsync(Ask("a"), Now, None);
        await Store.CompleteAsync("acme", "k1", "a", new StoredOutcome(0, "", "", []), Now, Now.AddDays(1), None);

        Assert.Equal(0, await Store.SweepAsync(Now.AddHours(23), None));
        Assert.Equal(1, await Store.SweepAsync(Now.AddDays(1), None));

        var again = await Store.ClaimAsync(Ask("b", Other), Now.AddDays(1), None);
        Assert.Equal(ClaimState.Claimed, again.State);
        Assert.False(again.TakenOver);
    }

    [Fact]
    public async Task Claim_RecordPastRetentionNotYetSwept_ClaimedAfresh()
    {
        await Store.ClaimAsync(Ask("a"), Now, None);
        await Store.CompleteAsync("acme", "k1", "a", new StoredOutcome(0, "", "", [1]), Now, Now.AddDays(1), None);

        var later = await Store.ClaimAsync(Ask("b", Other), Now.AddDays(2), None);

        Assert.Equal(ClaimState.Claimed, later.State);
        Assert.False(later.TakenOver);
        Assert.Null(await Store.PeekAsync("acme", "k1", Same, Now.AddDays(2), None));
    }

    [Fact]
    public async Task Complete_ThenReopen_OutcomeStillThere()
    {
        await Store.ClaimAsync(Ask("a"), Now, None);
        await Store.CompleteAsync("acme", "k1", "a", new StoredOutcome(0, "", "", [5]), Now, Now.AddDays(7), None);

        var reopened = Reopen();

        Assert.Equal([5], (await reopened.PeekAsync("acme", "k1", Same, Now, None))!.Outcome!.Response);
    }

    [Fact]
    public async Task Claim_ManyCallsAtOnceThroughTwoStores_ExactlyOneHoldsTheKey()
    {
        var other = Reopen();

        var claims = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            Task.Run(async () => await (i % 2 == 0 ? Store : other).ClaimAsync(Ask($"c{i}"), Now, None))))
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Single(claims, c => c.State == ClaimState.Claimed);
        Assert.All(claims.Where(c => c.State != ClaimState.Claimed), c => Assert.Equal(ClaimState.Running, c.State));
    }
}

public sealed class SqliteIdempotencyStoreTests : IdempotencyStoreContract
{
    private readonly string _directory = TestFolders.New("mesh-idempotency");

    private string DatabasePath => Path.Combine(_directory, "tools.db");

    public override Task InitializeAsync()
    {
        Store = new SqliteIdempotencyStore(new ToolsDatabase(DatabasePath));
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestFolders.Delete(_directory);
        return Task.CompletedTask;
    }

    protected override IIdempotencyStore Reopen() => new SqliteIdempotencyStore(new ToolsDatabase(DatabasePath));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresIdempotencyStoreTests(PostgresFixture postgres) : IdempotencyStoreContract
{
    private readonly List<ToolsPostgres> _databases = [];
    private string _connectionString = "";

    public override async Task InitializeAsync()
    {
        _connectionString = await postgres.NewDatabaseAsync();
        Store = Reopen();
    }

    public override async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    /// <summary>A store on a data source of its own, as another replica has.</summary>
    protected override IIdempotencyStore Reopen()
    {
        var database = new ToolsPostgres(_connectionString);
        _databases.Add(database);
        return new PostgresIdempotencyStore(database);
    }
}
