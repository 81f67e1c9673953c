using Mesh.Identity.Budgets;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Identity.Postgres.Tests;

/// <summary>What every budget store guarantees, run against SQLite and PostgreSQL.</summary>
public abstract class BudgetStoreContract : IAsyncLifetime
{
    private const long Call = 100_000; // one call's maximum, $0.0001
    private StoreBackend? _backend;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 5, 1, 12, 0, 10, TimeSpan.Zero));

    private IBudgetStore Store => _backend!.Budgets;

    private DateTimeOffset Now => Time.GetUtcNow();

    public async Task InitializeAsync() => _backend = await OpenAsync(Time);

    public Task DisposeAsync()
    {
        _backend?.Dispose();
        return Task.CompletedTask;
    }

    protected abstract Task<StoreBackend> OpenAsync(TimeProvider time);

    [Fact]
    public void Reserve_RoomLeftSmallerThanTheCall_AdmittedHoldingWhatIsLeftAndTheNextRefused()
    {
        Store.Set(new BudgetLimits("acme", "tenant", Call * 3 / 2, null, null, BudgetPeriods.None), Now);

        var first = Store.Reserve("acme", ["tenant"], Call, 0, Now);
        var second = Store.Reserve("acme", ["tenant"], Call, 0, Now);
        var third = Store.Reserve("acme", ["tenant"], Call, 0, Now);

        Assert.False(first.Exhausted || second.Exhausted);
        Assert.Equal((Call, Call / 2), (first.ReservedNanos, second.ReservedNanos));
        Assert.True(third.Exhausted);
        Assert.Equal("tenant", third.ExhaustedScope);
        Assert.Contains("budget of tenant acme is used up", third.Reason, StringComparison.Ordinal);
        Assert.Equal(Call * 3 / 2, Assert.Single(Store.List("acme", Now)).ReservedNanos);
    }

    [Fact]
    public void Reserve_BatchedWorkWithRoomForTheWholeBatch_ReservesItsCostInTheBatch()
    {
        Store.Set(new BudgetLimits("acme", "tenant", 100 * Call, null, null, BudgetPeriods.None), Now);
        Store.Set(new BudgetLimits("acme", "user:alice", 50 * Call, null, null, BudgetPeriods.None), Now);

        var reserved = Store.Reserve("acme", ["tenant", "user:alice"], new ReservationAsk(Call, 0, new BatchedCost(Call / 4, 16)), Now);

        Assert.Equal(Call / 4, reserved.ReservedNanos);
        Assert.All(Store.List("acme", Now), b => Assert.Equal(Call / 4, b.ReservedNanos));
    }

    [Fact]
    public void Reserve_BatchedWorkWithRoomForLessThanTheBatch_ReservesTheCallAlone()
    {
        Store.Set(new BudgetLimits("acme", "tenant", 100 * Call, null, null, BudgetPeriods.None), Now);
        Store.Set(new BudgetLimits("acme", "user:alice", 3 * Call, null, null, BudgetPeriods.None), Now); // room for 12 batched, not 16

        var first = Store.Reserve("acme", ["tenant", "user:alice"], new ReservationAsk(Call, 0, new BatchedCost(Call / 4, 16)), Now);
        var later = Enumerable.Range(0, 3).Select(_ => Store.Reserve("acme", ["tenant", "user:alice"], new ReservationAsk(Call, 0, new BatchedCost(Call / 4, 16)), Now)).ToList();

        Assert.Equal(Call, first.ReservedNanos);
        Assert.Equal([false, false, true], later.Select(r => r.Exhausted));
    }

    [Fact]
    public void Reserve_TokenQuotaUsedUp_RefusedNamingTheQuota()
    {
        Store.Set(new BudgetLimits("acme", "user:alice", null, 100, null, BudgetPeriods.None), Now);

        var first = Store.Reserve("acme", ["tenant", "user:alice"], 0, 150, Now);
        var second = Store.Reserve("acme", ["tenant", "user:alice"], 0, 1, Now);

        Assert.False(first.Exhausted);
        Assert.Equal("user:alice", second.ExhaustedScope);
        Assert.Contains("token quota of user:alice in tenant acme is used up", second.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reserve_OneOfTwoBudgetsUsedUp_ChargesNeither()
    {
        Store.Set(new BudgetLimits("acme", "tenant", 10 * Call, null, null, BudgetPeriods.None), Now);
        Store.Set(new BudgetLimits("acme", "user:alice", Call, null, null, BudgetPeriods.None), Now);
        Assert.False(Store.Reserve("acme", ["tenant", "user:alice"], Call, 0, Now).Exhausted);

        var refused = Store.Reserve("acme", ["tenant", "user:alice"], Call, 0, Now);

        Assert.Equal("user:alice", refused.ExhaustedScope);
        Assert.All(Store.List("acme", Now), b => Assert.Equal(Call, b.ReservedNanos));
    }

    [Fact]
    public void Reserve_NoBudgetForTheScopes_NoReservation()
    {
        Store.Set(new BudgetLimits("acme", "user:bob", Call, null, null, BudgetPeriods.None), Now);

        var result = Store.Reserve("acme", ["tenant", "user:alice"], Call, 0, Now);

        Assert.Equal(("", false), (result.ReservationId, result.Exhausted));
        Assert.False(Store.Any("acme", ["tenant", "user:alice"]));
        Assert.True(Store.Any("acme", ["user:bob"]));
    }

    [Fact]
    public void Reserve_RequestsPerMinuteReached_RefusedUntilTheNextMinute()
    {
        Store.Set(new BudgetLimits("acme", "user:alice", null, null, 2, BudgetPeriods.None), Now);

        var admitted = Enumerable.Range(0, 2).Select(_ => Store.Reserve("acme", ["user:alice"], 0, 0, Now)).ToList();
        var third = Store.Reserve("acme", ["user:alice"], 0, 0, Now);
        var nextMinute = Store.Reserve("acme", ["user:alice"], 0, 0, Now.AddMinutes(1));

        Assert.All(admitted, r => Assert.False(r.Exhausted));
        Assert.Contains("rate limit", third.Reason, StringComparison.Ordinal);
        Assert.False(nextMinute.Exhausted);
    }

    [Fact]
    public void Reserve_DayPeriodRolledOver_SpendStartsFromZero()
    {
        var evening = new DateTimeOffset(2026, 5, 1, 23, 0, 0, TimeSpan.Zero);
        Store.Set(new BudgetLimits("acme", "tenant", Call, null, null, BudgetPeriods.Day), evening);
        Store.Settle(Store.Reserve("acme", ["tenant"], Call, 0, evening).ReservationId, Call, 0);

        Assert.True(Store.Reserve("acme", ["tenant"], 1, 0, evening).Exhausted);
        Assert.False(Store.Reserve("acme", ["tenant"], Call, 0, evening.AddHours(2)).Exhausted);
        Assert.Equal(0, Assert.Single(Store.List("acme", evening.AddHours(2))).SpentNanos);
    }

    [Fact]
    public void Settle_Twice_SecondIsAlreadySettledAndChargesNothing()
    {
        Store.Set(new BudgetLimits("acme", "tenant", 10 * Call, 1_000, null, BudgetPeriods.Month), Now);
        var reservation = Store.Reserve("acme", ["tenant"], Call, 500, Now);

        var first = Store.Settle(reservation.ReservationId, Call / 4, 120);
        var again = Store.Settle(reservation.ReservationId, Call / 4, 120);

        Assert.Equal((SettleResult.Settled, SettleResult.AlreadySettled), (first, again));
        var budget = Assert.Single(Store.List("acme", Now));
        Assert.Equal((Call / 4, 0L, 120L, 0L), (budget.SpentNanos, budget.ReservedNanos, budget.TokensUsed, budget.TokensReserved));
    }

    [Fact]
    public void Settle_NoSuchReservation_Unknown() => Assert.Equal(SettleResult.Unknown, Store.Settle("0123456789abcdef0123456789abcdef", 1, 1));

    [Fact]
    public void Expire_ThenLateSettle_SpendCorrectedToTheRealCost()
    {
        Store.Set(new BudgetLimits("acme", "tenant", 10 * Call, 1_000, null, BudgetPeriods.None), Now);
        Store.Set(new BudgetLimits("acme", "user:alice", 10 * Call, null, null, BudgetPeriods.None), Now);
        var reservation = Store.Reserve("acme", ["tenant", "user:alice"], Call, 400, Now);
        Time.Advance(TimeSpan.FromMinutes(20));

        var expired = Store.Expire(Now - TimeSpan.FromMinutes(15));
        var charged = Store.List("acme", Now);
        var late = Store.Settle(reservation.ReservationId, Call / 10, 40);
        var again = Store.Settle(reservation.ReservationId, Call / 10, 40);

        Assert.Equal(1, expired);
        Assert.All(charged, b => Assert.Equal((Call, 0L), (b.SpentNanos, b.ReservedNanos)));
        Assert.Equal((SettleResult.Settled, SettleResult.AlreadySettled), (late, again));
        Assert.All(Store.List("acme", Now), b => Assert.Equal((Call / 10, 0L), (b.SpentNanos, b.ReservedNanos)));
        Assert.Equal(40, Store.List("acme", Now).Single(b => b.Limits.Scope == "tenant").TokensUsed);
    }

    [Fact]
    public void Expire_Twice_ChargesOnceAndLeavesNewerReservationsOpen()
    {
        Store.Set(new BudgetLimits("acme", "tenant", 10 * Call, null, null, BudgetPeriods.None), Now);
        Store.Reserve("acme", ["tenant"], Call, 0, Now);
        Time.Advance(TimeSpan.FromMinutes(20));
        var recent = Store.Reserve("acme", ["tenant"], Call, 0, Now);

        var first = Store.Expire(Now - TimeSpan.FromMinutes(15));
        var second = Store.Expire(Now - TimeSpan.FromMinutes(15));

        Assert.Equal((1, 0), (first, second));
        var budget = Assert.Single(Store.List("acme", Now));
        Assert.Equal((Call, Call), (budget.SpentNanos, budget.ReservedNanos));
        Assert.Equal(SettleResult.Settled, Store.Settle(recent.ReservationId, Call, 0));
    }

    [Fact]
    public void Purge_ClosedBeforeTheCutoff_RemovedAndForgotten()
    {
        Store.Set(new BudgetLimits("acme", "tenant", 10 * Call, null, null, BudgetPeriods.None), Now);
        var settled = Store.Reserve("acme", ["tenant"], Call, 0, Now);
        var open = Store.Reserve("acme", ["tenant"], Call, 0, Now);
        Store.Settle(settled.ReservationId, Call, 0);
        Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        var removed = Store.Purge(Now - TimeSpan.FromDays(1));

        Assert.Equal(1, removed);
        Assert.Equal(SettleResult.Unknown, Store.Settle(settled.ReservationId, Call, 0));
        Assert.Equal(SettleResult.Settled, Store.Settle(open.ReservationId, Call, 0));
    }

    [Fact]
    public async Task Reserve_64ConcurrentAgainstABudgetForFive_FiveAdmittedAndSpendWithinOneCallOfTheLimit()
    {
        const long Limit = 5 * Call - Call / 2; // room for a fifth call when four are reserved
        Store.Set(new BudgetLimits("acme", "tenant", Limit, null, null, BudgetPeriods.None), Now);
        Store.Set(new BudgetLimits("acme", "user:alice", 100 * Call, null, null, BudgetPeriods.None), Now);
        using var start = new ManualResetEventSlim();

        var attempts = Enumerable.Range(0, 64).Select(_ => Task.Run(() =>
        {
            start.Wait(TimeSpan.FromSeconds(30));
            return Store.Reserve("acme", ["tenant", "user:alice"], Call, 0, Now);
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var admitted in results.Where(r => !r.Exhausted))
        {
            Assert.Equal(SettleResult.Settled, Store.Settle(admitted.ReservationId, Call, 0));
        }

        Assert.Equal(5, results.Count(r => !r.Exhausted));
        Assert.Equal(59, results.Count(r => r.ExhaustedScope == "tenant"));
        var budgets = Store.List("acme", Now);
        Assert.All(budgets, b => Assert.Equal((5 * Call, 0L), (b.SpentNanos, b.ReservedNanos)));
        Assert.True(budgets.Single(b => b.Limits.Scope == "tenant").SpentNanos <= Limit + Call);
    }
}

public sealed class SqliteBudgetStoreTests : BudgetStoreContract
{
    protected override Task<StoreBackend> OpenAsync(TimeProvider time) => Task.FromResult<StoreBackend>(new SqliteBackend(time));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresBudgetStoreTests(PostgresFixture postgres) : BudgetStoreContract
{
    protected override async Task<StoreBackend> OpenAsync(TimeProvider time) => new PostgresBackend(await postgres.NewDatabaseAsync(), time);
}
