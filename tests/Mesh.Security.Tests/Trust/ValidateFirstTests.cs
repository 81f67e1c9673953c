using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Security.Tests.Trust;

/// <summary>Identity validates everything before writing anything: a bad request leaves nothing behind.</summary>
public sealed class ValidateFirstTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Theory]
    [InlineData("bad user!")]
    [InlineData("-starts-with-a-dash")]
    public async Task CreateTenant_BadAdminUser_InvalidArgumentAndNoTenant(string adminUser)
    {
        var id = $"v{Guid.NewGuid():N}"[..20];

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.IdentityClient.CreateTenantAsync(new CreateTenantRequest { Id = id, AdminUser = adminUser }, TestCalls.As(TestKeys.Admin)).ResponseAsync);
        var tenants = await mesh.IdentityClient.ListTenantsAsync(new ListTenantsRequest(), TestCalls.As(TestKeys.Admin));
        var retry = await mesh.IdentityClient.CreateTenantAsync(new CreateTenantRequest { Id = id, AdminUser = "admin" }, TestCalls.As(TestKeys.Admin));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("admin_user", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(tenants.Tenants, t => t.Id == id);
        Assert.Equal(id, retry.Id);
    }

    [Fact]
    public async Task CreateTenant_SystemTenantId_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.IdentityClient.CreateTenantAsync(new CreateTenantRequest { Id = "system" }, TestCalls.As(TestKeys.Admin)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("service")]
    public async Task CreatePrincipal_TenantAdminThatIsNotAUser_InvalidArgumentAndNoPrincipal(string kind)
    {
        var (_, admin) = await mesh.CreateTenantAsync("princ");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.IdentityClient.CreatePrincipalAsync(new CreatePrincipalRequest { Id = "bot", Kind = kind, TenantAdmin = true }, TestCalls.As(admin)).ResponseAsync);
        var principals = await mesh.IdentityClient.ListPrincipalsAsync(new ListPrincipalsRequest(), TestCalls.As(admin));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.DoesNotContain(principals.Principals, p => p.Id == "bot");
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(-1)]
    [InlineData(400L * 365 * 24 * 3600)]
    public async Task CreateApiKey_AbsurdTtl_InvalidArgumentNamingTheField(long ttl)
    {
        var (_, admin) = await mesh.CreateTenantAsync("ttl");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { TtlSeconds = ttl }, TestCalls.As(admin)).ResponseAsync);
        var keys = await mesh.IdentityClient.ListApiKeysAsync(new ListApiKeysRequest(), TestCalls.As(admin));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("ttl_seconds", error.Status.Detail, StringComparison.Ordinal);
        Assert.Single(keys.Keys);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(-5)]
    [InlineData(7200)]
    public async Task IssueToken_AbsurdTtl_InvalidArgumentNamingTheField(long ttl)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { TtlSeconds = ttl }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("ttl_seconds", error.Status.Detail, StringComparison.Ordinal);
    }
}
