using Mesh.Tools.Idempotency;
using Mesh.Tools.Storage;

namespace Mesh.Tools.Tests.Idempotency;

public sealed class IdempotencyStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Same = [1, 2, 3];
    private static readonly byte[] Other = [9, 9, 9];
    private readonly string _directory = TestFolders.New("mesh-idempotency");
    private readonly SqliteIdempotencyStore _store;

    public IdempotencyStoreTests() => _store = new SqliteIdempotencyStore(new ToolsDatabase(Path.Combine(_directory, "tools.db")));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestFolders.Delete(_directory);
    }

    private static IdempotencyClaimRequest Ask(string claimId, byte[]? fingerprint = null, string tenant = "acme", TimeSpan? holds = null) =>
        new(tenant, "k1", fingerprint ?? Same, "counter", claimId, Now + (holds ?? TimeSpan.FromMinutes(1)), Now.AddDays(7));

    [Fact]
    public void Claim_NewKey_ClaimedAndARepeatSeesItRunning()
    {
        Assert.Equal(ClaimState.Claimed, _store.Claim(Ask("a"), Now).State);

        var repeat = _store.Claim(Ask("b"), Now.AddSeconds(1));

        Assert.Equal(ClaimState.Running, repeat.State);
        Assert.Equal(Now.AddMinutes(1), repeat.RunningUntil);
        Assert.Null(_store.Peek("acme", "k1", Same, Now));
    }

    [Fact]
    public void Complete_ThenClaimAndPeek_AnswerTheStoredOutcome()
    {
        _store.Claim(Ask("a"), Now);
        Assert.True(_store.Complete("acme", "k1", "a", new StoredOutcome(0, "", "", [7, 8]), Now, Now.AddDays(7)));

        var claimed = _store.Claim(Ask("b"), Now.AddSeconds(1));
        var peeked = _store.Peek("acme", "k1", Same, Now.AddSeconds(1));

        Assert.Equal(ClaimState.Completed, claimed.State);
        Assert.Equal([7, 8], claimed.Outcome!.Response);
        Assert.Equal(ClaimState.Completed, peeked!.State);
    }

    [Fact]
    public void Claim_OtherFingerprint_MismatchWhileRunningAndOnceCompleted()
    {
        _store.Claim(Ask("a"), Now);
        Assert.Equal(ClaimState.Mismatch, _store.Claim(Ask("b", Other), Now).State);

        _store.Complete("acme", "k1", "a", new StoredOutcome(3, "bad", "arguments_json/x", []), Now, Now.AddDays(7));

        Assert.Equal(ClaimState.Mismatch, _store.Claim(Ask("c", Other), Now).State);
        Assert.Equal(ClaimState.Mismatch, _store.Peek("acme", "k1", Other, Now)!.State);
        var stored = _store.Claim(Ask("d"), Now).Outcome!;
        Assert.Equal((3, "bad", "arguments_json/x"), (stored.Status, stored.Detail, stored.Field));
    }

    [Fact]
    public void Claim_OtherTenantSameKey_ClaimedSeparately()
    {
        _store.Claim(Ask("a"), Now);

        Assert.Equal(ClaimState.Claimed, _store.Claim(Ask("b", Other, tenant: "globex"), Now).State);
    }

    [Fact]
    public void Claim_HolderLetItLapse_TakenOverAndTheOldHolderCannotComplete()
    {
        _store.Claim(Ask("a", holds: TimeSpan.FromSeconds(5)), Now);

        var takeover = _store.Claim(Ask("b"), Now.AddSeconds(6));

        Assert.Equal(ClaimState.Claimed, takeover.State);
        Assert.True(takeover.TakenOver);
        Assert.False(_store.Complete("acme", "k1", "a", new StoredOutcome(0, "", "", []), Now, Now.AddDays(7)));
        Assert.True(_store.Complete("acme", "k1", "b", new StoredOutcome(0, "", "", [1]), Now, Now.AddDays(7)));
    }

    [Fact]
    public void Release_ByHolder_NextCallClaims()
    {
        _store.Claim(Ask("a"), Now);
        _store.Release("acme", "k1", "someone-else");
        Assert.Equal(ClaimState.Running, _store.Claim(Ask("b"), Now).State);

        _store.Release("acme", "k1", "a");

        Assert.Equal(ClaimState.Claimed, _store.Claim(Ask("c"), Now).State);
    }

    [Fact]
    public void Sweep_PastRetention_RecordRemovedAndKeyFree()
    {
        _store.Claim(Ask("a"), Now);
        _store.Complete("acme", "k1", "a", new StoredOutcome(0, "", "", []), Now, Now.AddDays(1));

        Assert.Equal(0, _store.Sweep(Now.AddHours(23)));
        Assert.Equal(1, _store.Sweep(Now.AddDays(1)));

        Assert.Equal(ClaimState.Claimed, _store.Claim(Ask("b", Other), Now.AddDays(1)).State);
    }

    [Fact]
    public void Complete_ThenReopenDatabase_OutcomeStillThere()
    {
        _store.Claim(Ask("a"), Now);
        _store.Complete("acme", "k1", "a", new StoredOutcome(0, "", "", [5]), Now, Now.AddDays(7));

        var reopened = new SqliteIdempotencyStore(new ToolsDatabase(Path.Combine(_directory, "tools.db")));

        Assert.Equal([5], reopened.Peek("acme", "k1", Same, Now)!.Outcome!.Response);
    }
}
