using Grpc.Core;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;
using Mesh.Testing;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Tests.Authentication;

public sealed class ApiKeyAuthenticatorTests
{
    private readonly ApiKeyAuthenticator _authenticator;

    public ApiKeyAuthenticatorTests()
    {
        var options = new ApiKeyOptions { BootstrapApiKey = TestKeys.Admin };
        options.ApiKeys.Add(new ApiKeyGrant { Key = TestKeys.Acme, Tenant = "acme", Principal = "alice" });
        _authenticator = new ApiKeyAuthenticator(Options.Create(options));
    }

    [Fact]
    public async Task Authenticate_TenantKey_ReturnsItsPrincipalAndTenant()
    {
        var result = await _authenticator.AuthenticateAsync(Headers($"Bearer {TestKeys.Acme}"), CancellationToken.None);

        Assert.Equal(new Caller("alice", "acme", PrincipalKind.User, IsAdmin: false), result.Caller);
    }

    [Fact]
    public async Task Authenticate_TenantKeyNamingAnotherTenant_StaysInItsOwnTenant()
    {
        var result = await _authenticator.AuthenticateAsync(Headers($"Bearer {TestKeys.Acme}", tenant: "globex"), CancellationToken.None);

        Assert.Equal("acme", result.Caller?.TenantId);
    }

    [Fact]
    public async Task Authenticate_BootstrapKeyWithTenantHeader_ActsAsAdminInThatTenant()
    {
        var result = await _authenticator.AuthenticateAsync(Headers($"Bearer {TestKeys.Admin}", tenant: "globex"), CancellationToken.None);

        Assert.NotNull(result.Caller);
        Assert.True(result.Caller.IsAdmin);
        Assert.Equal("globex", result.Caller.TenantId);
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("Basic dXNlcjpwYXNz", "Bearer scheme")]
    [InlineData("Bearer not-a-key", "not valid")]
    [InlineData("Bearer ", "not valid")]
    public async Task Authenticate_BadCredential_FailsWithReason(string? authorization, string reason)
    {
        var result = await _authenticator.AuthenticateAsync(Headers(authorization), CancellationToken.None);

        Assert.Null(result.Caller);
        Assert.Contains(reason, result.Failure, StringComparison.Ordinal);
    }

    private static Metadata Headers(string? authorization, string? tenant = null)
    {
        var headers = new Metadata();
        if (authorization is not null)
        {
            headers.Add("authorization", authorization);
        }

        if (tenant is not null)
        {
            headers.Add("x-mesh-tenant", tenant);
        }

        return headers;
    }
}
