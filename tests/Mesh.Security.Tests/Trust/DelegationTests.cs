using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Security.Tests.Trust;

/// <summary>
/// A delegated credential (a token acting for an agent, a scoped key) never passes an admin check,
/// and tokens never mint tokens: a minted token is bounded by the credential behind it.
/// </summary>
public sealed class DelegationTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    public static readonly TheoryData<string> AdminCalls = new() { "set budget", "delete budget", "write relations", "create principal", "revoke other's key", "list principals", "read relations" };

    [Theory]
    [MemberData(nameof(AdminCalls))]
    public async Task AdminRpc_TenantAdminsAgentToken_PermissionDeniedAndAudited(string call)
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("deleg");
        await mesh.IdentityClient.CreatePrincipalAsync(new CreatePrincipalRequest { Id = "bot", Kind = "agent" }, TestCalls.As(admin));
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { Actor = "bot" }, TestCalls.As(admin));

        var error = await Assert.ThrowsAsync<RpcException>(() => AdminCallAsync(call, admin, TestCalls.As(token.Token)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var audit = await WaitForAsync(() => mesh.Identity.Usage.Events.LastOrDefault(e => e.Kind == UsageKind.Audit && e.TenantId == tenant && e.Status == UsageStatus.Denied));
        Assert.Equal("deny", audit.Attributes["decision"]);
    }

    [Theory]
    [MemberData(nameof(AdminCalls))]
    public async Task AdminRpc_TenantAdminsScopedKey_PermissionDenied(string call)
    {
        var (_, admin) = await mesh.CreateTenantAsync("scoped");
        var scoped = await mesh.IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { Scope = new CredentialScope { Tools = { "calculator" } } }, TestCalls.As(admin));

        var error = await Assert.ThrowsAsync<RpcException>(() => AdminCallAsync(call, admin, TestCalls.As(scoped.ApiKey)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task AdminRpc_TenantAdminsOwnUnscopedToken_StillAllowed()
    {
        var (_, admin) = await mesh.CreateTenantAsync("own");
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(admin));

        var budget = await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "5" }, TestCalls.As(token.Token));

        Assert.Equal("5", budget.CostLimitUsd);
    }

    [Fact]
    public async Task IssueToken_CallerIsAToken_PermissionDeniedSoATokenCannotRenewItself()
    {
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { Audiences = { "identity" } }, TestCalls.As(TestKeys.Acme));

        var renew = await Assert.ThrowsAsync<RpcException>(() => mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(token.Token)).ResponseAsync);
        var widen = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { Audiences = { "identity", "inference" } }, TestCalls.As(token.Token)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, renew.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, widen.StatusCode);
    }

    [Fact]
    public async Task IssueToken_FromAKeyThatExpiresSoon_NeverOutlivesTheKey()
    {
        var (_, admin) = await mesh.CreateTenantAsync("expiry");
        var shortKey = await mesh.IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { TtlSeconds = 60 }, TestCalls.As(admin));

        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { TtlSeconds = 3600 }, TestCalls.As(shortKey.ApiKey));

        Assert.True(token.ExpiresAt.ToDateTimeOffset() <= shortKey.Info.ExpiresAt.ToDateTimeOffset(), $"token {token.ExpiresAt} outlives its key {shortKey.Info.ExpiresAt}");
    }

    [Fact]
    public async Task Token_SourceKeyRevoked_RefusedEverywhereWithinTheKeyCacheTime()
    {
        var (_, admin) = await mesh.CreateTenantAsync("revoke");
        var (keyId, user) = await mesh.CreateUserAsync(admin, "carol");
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(user));
        await mesh.ToolsClient.ListToolsAsync(new Tools.V1.ListToolsRequest(), TestCalls.As(token.Token));

        await mesh.IdentityClient.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }, TestCalls.As(admin));

        var refused = await WaitForAsync(async () =>
        {
            try
            {
                await mesh.ToolsClient.ListToolsAsync(new Tools.V1.ListToolsRequest(), TestCalls.As(token.Token));
                return null;
            }
            catch (RpcException ex)
            {
                return ex;
            }
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("revoked", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueToken_OnBehalfOf_OnlyTheAgentsServiceMayAndNeverWiderThanTheCallersToken()
    {
        var callerToken = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { Audiences = { "agents" } }, TestCalls.As(TestKeys.Acme));
        var runToken = new IssueTokenRequest { Actor = "assistant", OnBehalfOf = $"Bearer {callerToken.Token}", Audiences = { "agents" } };
        var wider = new IssueTokenRequest { Actor = "assistant", OnBehalfOf = $"Bearer {callerToken.Token}", Audiences = { "inference" } };

        var inference = await mesh.ServiceTokenAsync("inference");
        var agents = await mesh.ServiceTokenAsync("agents");
        var asInference = await Assert.ThrowsAsync<RpcException>(() => mesh.TokensClient.IssueTokenAsync(runToken, TestCalls.As(inference)).ResponseAsync);
        var asUser = await Assert.ThrowsAsync<RpcException>(() => mesh.TokensClient.IssueTokenAsync(runToken, TestCalls.As(TestKeys.Acme)).ResponseAsync);
        var minted = await mesh.TokensClient.IssueTokenAsync(runToken, TestCalls.As(agents));
        var tooWide = await Assert.ThrowsAsync<RpcException>(() => mesh.TokensClient.IssueTokenAsync(wider, TestCalls.As(agents)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, asInference.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, asUser.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, tooWide.StatusCode);
        Assert.True(minted.ExpiresAt.ToDateTimeOffset() <= callerToken.ExpiresAt.ToDateTimeOffset());
    }

    private async Task AdminCallAsync(string call, string adminKey, CallOptions options)
    {
        switch (call)
        {
            case "set budget":
                await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "1" }, options);
                break;
            case "delete budget":
                await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "1" }, TestCalls.As(adminKey));
                await mesh.BudgetsClient.DeleteBudgetAsync(new DeleteBudgetRequest(), options);
                break;
            case "write relations":
                await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest { Relations = { new Relation { Object = "tool:clock", Relation_ = "invoker", Subject = "user:admin" } } }, options);
                break;
            case "create principal":
                await mesh.IdentityClient.CreatePrincipalAsync(new CreatePrincipalRequest { Id = "intruder" }, options);
                break;
            case "revoke other's key":
                var (keyId, _) = await mesh.CreateUserAsync(adminKey, $"victim{Guid.NewGuid():N}"[..12]);
                await mesh.IdentityClient.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }, options);
                break;
            case "list principals":
                await mesh.IdentityClient.ListPrincipalsAsync(new ListPrincipalsRequest(), options);
                break;
            default:
                await mesh.PermissionsClient.ReadRelationsAsync(new ReadRelationsRequest(), options);
                break;
        }
    }

    internal static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan? within = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "the expected outcome did not happen in time");
            await Task.Delay(100);
        }
    }

    internal static Task<T> WaitForAsync<T>(Func<T?> probe, TimeSpan? within = null)
        where T : class => WaitForAsync(() => Task.FromResult(probe()), within);
}
