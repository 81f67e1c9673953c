using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Tests;

public sealed class ApiKeyTests : IDisposable
{
    private readonly IdentityHost _host = new();

    [Fact]
    public async Task CreateApiKey_ScopedAgentKey_AuthenticatesAsTheAgentWithItsScope()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var scope = new CredentialScope { Tools = { "calculator" } };

        var key = await _host.CreatePrincipalAsync(admin, "support-bot", "agent", scope);
        var principal = await _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(key));

        Assert.StartsWith("mesh_", key, StringComparison.Ordinal);
        Assert.Equal(("support-bot", "acme", "agent"), (principal.Id, principal.TenantId, principal.Kind));
        Assert.Equal(["calculator"], principal.Scope.Tools);
    }

    [Fact]
    public async Task ListApiKeys_AfterCreate_ShowsTheKeyIdButNeverTheKey()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var key = await _host.CreatePrincipalAsync(admin, "carol");

        var keys = await _host.Identity.ListApiKeysAsync(new ListApiKeysRequest { PrincipalId = "carol" }, TestCalls.As(admin));

        var info = Assert.Single(keys.Keys);
        Assert.Contains(info.KeyId, key, StringComparison.Ordinal);
        Assert.DoesNotContain(key, keys.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeApiKey_ThenUse_Unauthenticated()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var key = await _host.CreatePrincipalAsync(admin, "carol");
        var keyId = (await _host.Identity.ListApiKeysAsync(new ListApiKeysRequest { PrincipalId = "carol" }, TestCalls.As(admin))).Keys[0].KeyId;
        await _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(key));

        await _host.Identity.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }, TestCalls.As(key));
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(key)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("revoked", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateApiKey_ScopedCallerAsksForWiderScope_PermissionDenied()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var scoped = await _host.CreatePrincipalAsync(admin, "carol", scope: new CredentialScope { Tools = { "clock" } });

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Identity.CreateApiKeyAsync(
            new CreateApiKeyRequest { Scope = new CredentialScope { Tools = { "calculator" } } }, TestCalls.As(scoped)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task CreatePrincipal_NotTenantAdmin_PermissionDeniedNamingTheRelation()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var carol = await _host.CreatePrincipalAsync(admin, "carol");

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Identity.CreatePrincipalAsync(
            new CreatePrincipalRequest { Id = "mallory" }, TestCalls.As(carol)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("tenant:acme#admin", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeApiKey_KeyOfAnotherTenant_NotFound()
    {
        var acme = await _host.CreateTenantAsync("acme");
        var globex = await _host.CreateTenantAsync("globex");
        var globexKeyId = (await _host.Identity.ListApiKeysAsync(new ListApiKeysRequest(), TestCalls.As(globex))).Keys[0].KeyId;

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Identity.RevokeApiKeyAsync(
            new RevokeApiKeyRequest { KeyId = globexKeyId }, TestCalls.As(acme)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain("globex", error.Status.Detail, StringComparison.Ordinal);
    }

    public void Dispose() => _host.Dispose();
}
