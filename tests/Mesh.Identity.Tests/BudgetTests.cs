using Grpc.Core;
using Mesh.Identity.Budgets;
using Mesh.Identity.Storage;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Tests;

public sealed class BudgetTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"mesh-budgets-{Guid.NewGuid():N}.db");
    private readonly IdentityHost _host = new();

    [Fact]
    public async Task Reserve_64ConcurrentAgainstAOneRequestBudget_ExactlyOneSucceeds()
    {
        var store = new SqliteBudgetStore(new IdentityDatabase(_path), TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        const long Cost = 100_000; // $0.0001
        store.Set(new BudgetLimits("acme", "tenant", Cost, null, null, BudgetPeriods.None), now);
        using var start = new ManualResetEventSlim();

        var attempts = Enumerable.Range(0, 64).Select(_ => Task.Run(() =>
        {
            start.Wait(TimeSpan.FromSeconds(30));
            return store.Reserve("acme", ["tenant", "user:alice"], Cost, 0, now);
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Single(results, r => r.ReservationId.Length > 0);
        Assert.Equal(63, results.Count(r => r.Exhausted));
        var budget = Assert.Single(store.List("acme", now));
        Assert.Equal(Cost, budget.SpentNanos + budget.ReservedNanos);
    }

    [Fact]
    public void Settle_RealCostBelowReservation_ReleasesTheRest()
    {
        var store = new SqliteBudgetStore(new IdentityDatabase(_path), TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        store.Set(new BudgetLimits("acme", "tenant", 1_000, 100, null, BudgetPeriods.Month), now);

        var reservation = store.Reserve("acme", ["tenant"], 800, 50, now);
        Assert.Equal(SettleResult.Settled, store.Settle(reservation.ReservationId, 300, 20));

        var budget = Assert.Single(store.List("acme", now));
        Assert.Equal((300L, 0L, 20L, 0L), (budget.SpentNanos, budget.ReservedNanos, budget.TokensUsed, budget.TokensReserved));
        Assert.Equal(SettleResult.AlreadySettled, store.Settle(reservation.ReservationId, 300, 20));
    }

    [Fact]
    public void Reserve_RequestsPerMinuteReached_ExhaustedUntilTheNextMinute()
    {
        var store = new SqliteBudgetStore(new IdentityDatabase(_path), TimeProvider.System);
        var now = new DateTimeOffset(2026, 5, 1, 12, 0, 10, TimeSpan.Zero);
        store.Set(new BudgetLimits("acme", "user:alice", null, null, 2, BudgetPeriods.None), now);

        var first = store.Reserve("acme", ["user:alice"], 0, 0, now);
        var second = store.Reserve("acme", ["user:alice"], 0, 0, now);
        var third = store.Reserve("acme", ["user:alice"], 0, 0, now);
        var nextMinute = store.Reserve("acme", ["user:alice"], 0, 0, now.AddMinutes(1));

        Assert.False(first.Exhausted || second.Exhausted);
        Assert.True(third.Exhausted);
        Assert.Contains("rate limit", third.Reason, StringComparison.Ordinal);
        Assert.False(nextMinute.Exhausted);
    }

    [Fact]
    public void Reserve_DayPeriodRolledOver_SpendStartsFromZero()
    {
        var store = new SqliteBudgetStore(new IdentityDatabase(_path), TimeProvider.System);
        var day1 = new DateTimeOffset(2026, 5, 1, 23, 0, 0, TimeSpan.Zero);
        store.Set(new BudgetLimits("acme", "tenant", 100, null, null, BudgetPeriods.Day), day1);
        store.Settle(store.Reserve("acme", ["tenant"], 100, 0, day1).ReservationId, 100, 0);

        Assert.True(store.Reserve("acme", ["tenant"], 1, 0, day1).Exhausted);
        Assert.False(store.Reserve("acme", ["tenant"], 100, 0, day1.AddHours(2)).Exhausted);
    }

    [Fact]
    public void IdentityDatabase_ReservationsTableFromBeforeStates_GainsThemAndOpenReservationsStillSettle()
    {
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_path}"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE reservations(id TEXT PRIMARY KEY, tenant TEXT NOT NULL, scopes TEXT NOT NULL, cost INTEGER NOT NULL,
                    tokens INTEGER NOT NULL, created_at INTEGER NOT NULL);
                INSERT INTO reservations VALUES ('r1', 'acme', 'tenant', 800, 0, 0);
                """;
            create.ExecuteNonQuery();
        }

        var store = new SqliteBudgetStore(new IdentityDatabase(_path), TimeProvider.System);

        Assert.Equal(SettleResult.Settled, store.Settle("r1", 300, 0));
        Assert.Equal(SettleResult.AlreadySettled, store.Settle("r1", 300, 0));
    }

    [Fact]
    public async Task ListBudgets_Member_SeesTenantBudgetWithRemaining()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var carol = await _host.CreatePrincipalAsync(admin, "carol");
        await _host.Budgets.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "25.50", Period = "month" }, TestCalls.As(admin));
        await _host.Budgets.SetBudgetAsync(new SetBudgetRequest { Scope = "user:dave", TokenLimit = 1000 }, TestCalls.As(admin));

        var budgets = await _host.Budgets.ListBudgetsAsync(new ListBudgetsRequest(), TestCalls.As(carol));

        var budget = Assert.Single(budgets.Budgets);
        Assert.Equal(("tenant", "25.5", "25.5", "month"), (budget.Scope, budget.CostLimitUsd, budget.RemainingUsd, budget.Period));
    }

    [Fact]
    public async Task SetBudget_NotTenantAdmin_PermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Budgets.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "1" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    public void Dispose()
    {
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
