using System.Globalization;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Postgres.Tests;

/// <summary>Two identity replicas sharing one PostgreSQL database keep the guarantees of one.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaTests(PostgresFixture postgres) : IAsyncLifetime, IDisposable
{
    private const decimal Call = 0.0001m; // one call's maximum
    private IdentityReplicas? _replicas;

    private IdentityReplicas Replicas => _replicas!;

    public async Task InitializeAsync() => _replicas = new IdentityReplicas(await postgres.NewDatabaseAsync());

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _replicas?.Dispose();

    [Fact]
    public async Task Reserve_64ConcurrentSplitAcrossReplicas_BudgetForEightAdmitsEightAndOverspendsLessThanOneCall()
    {
        var admin = await Replicas.CreateTenantAsync("burst");
        await Replicas.CreateUserAsync(admin, "carol");
        var carol = new Subject { TenantId = "burst", PrincipalId = "carol", Kind = "user" };
        var agents = (await Replicas.A.Tokens.IssueServiceTokenAsync(new IssueServiceTokenRequest(), TestCalls.As(TestKeys.Service("agents")))).Token;
        var telemetry = (await Replicas.B.Tokens.IssueServiceTokenAsync(new IssueServiceTokenRequest(), TestCalls.As(TestKeys.Service("telemetry")))).Token;
        var limit = 8 * Call - Call / 2;
        await Replicas.A.Budgets.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = Usd(limit) }, TestCalls.As(admin));
        using var start = new ManualResetEventSlim();

        var attempts = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            start.Wait(TimeSpan.FromSeconds(30));
            try
            {
                // As the services do: agents reserves for carol's work, telemetry settles what was billed.
                var reserved = await Replicas[i].Budgets.ReserveAsync(new ReserveRequest { MaxCostUsd = Usd(Call), Subject = carol },
                    TestCalls.As(agents, timeout: TimeSpan.FromSeconds(60)));
                await Replicas[i + 1].Budgets.SettleAsync(new SettleRequest { ReservationId = reserved.ReservationId, CostUsd = Usd(Call) },
                    TestCalls.As(telemetry));
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromSeconds(90));

        var budget = (await Replicas.B.Budgets.ListBudgetsAsync(new ListBudgetsRequest(), TestCalls.As(admin))).Budgets.Single();
        var spent = decimal.Parse(budget.SpentUsd, CultureInfo.InvariantCulture);
        Assert.Equal(8, outcomes.Count(o => o == StatusCode.OK));
        Assert.All(outcomes.Where(o => o != StatusCode.OK), o => Assert.Equal(StatusCode.ResourceExhausted, o));
        Assert.Equal((8 * Call, "0"), (spent, budget.ReservedUsd));
        Assert.True(spent - limit < Call, $"spent {spent} against a limit of {limit}");
    }

    [Fact]
    public async Task Check_RightAfterAWriteOnTheOtherReplica_SeesTheWrite()
    {
        var admin = await Replicas.CreateTenantAsync("acme");
        var carol = await Replicas.CreateUserAsync(admin, "carol");
        var relation = new Relation { Object = "tool:search", Relation_ = "invoker", Subject = "user:carol" };
        var check = new CheckRequest { Object = "tool:search", Relation = "invoker" };
        await Replicas.A.Permissions.WriteRelationsAsync(new WriteRelationsRequest { Relations = { new Relation { Object = "tool:search", Relation_ = "invoker", Subject = "user:dave" } } },
            TestCalls.As(admin));
        Assert.False((await Replicas.B.Permissions.CheckAsync(check, TestCalls.As(carol))).Allowed);

        var written = await Replicas.A.Permissions.WriteRelationsAsync(new WriteRelationsRequest { Relations = { relation } }, TestCalls.As(admin));
        var onB = await Replicas.B.Permissions.CheckAsync(check, TestCalls.As(carol));
        var deleted = await Replicas.B.Permissions.DeleteRelationsAsync(new DeleteRelationsRequest { Relations = { relation } }, TestCalls.As(admin));
        var onA = await Replicas.A.Permissions.CheckAsync(check, TestCalls.As(carol));

        Assert.True(onB.Allowed, onB.Reason);
        Assert.True(written.Revision <= onB.Revision, $"write at {written.Revision}, check answered at {onB.Revision}");
        Assert.False(onA.Allowed, onA.Reason);
        Assert.True(deleted.Revision <= onA.Revision && written.Revision < deleted.Revision);
    }

    [Fact]
    public async Task RevokeApiKey_OnOneReplica_RefusedByTheOtherAtOnce()
    {
        var admin = await Replicas.CreateTenantAsync("acme");
        await Replicas.A.Identity.CreatePrincipalAsync(new CreatePrincipalRequest { Id = "carol", Kind = "user" }, TestCalls.As(admin));
        var key = await Replicas.A.Identity.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = "carol" }, TestCalls.As(admin));
        Assert.Equal("carol", (await Replicas.B.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(key.ApiKey))).Id);

        await Replicas.A.Identity.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.Info.KeyId }, TestCalls.As(admin));
        var error = await Assert.ThrowsAsync<RpcException>(() => Replicas.B.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(key.ApiKey)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task RotateSigningKey_OnOneReplica_TokenSignedByTheNewKeyVerifiesOnTheOther()
    {
        var before = await Replicas.B.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));
        Assert.Equal("alice", (await Replicas.B.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(before.Token))).Id);

        var rotated = await Replicas.A.Tokens.RotateSigningKeyAsync(new RotateSigningKeyRequest(), TestCalls.As(TestKeys.Admin));
        var after = await Replicas.A.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));
        var principal = await Replicas.B.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(after.Token));

        Assert.Equal(rotated.CurrentKeyId, after.KeyId);
        Assert.NotEqual(before.KeyId, after.KeyId);
        Assert.Equal("alice", principal.Id);
        Assert.Equal("alice", (await Replicas.A.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(before.Token))).Id);
    }

    [Fact]
    public async Task Health_BothReplicasReachTheDatabase_Healthy()
    {
        using var a = Replicas.Http(0);
        using var b = Replicas.Http(1);

        var answers = await Task.WhenAll(a.GetStringAsync(new Uri("/health", UriKind.Relative)), b.GetStringAsync(new Uri("/health", UriKind.Relative)))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(answers, answer => Assert.Equal("Healthy", answer));
    }

    private static string Usd(decimal usd) => usd.ToString(CultureInfo.InvariantCulture);
}
