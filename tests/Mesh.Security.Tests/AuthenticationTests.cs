using System.Security.Cryptography;
using Grpc.Core;
using Mesh.Identity.Tokens;
using Mesh.Identity.V1;
using Mesh.Security.Authentication;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Calls;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Security.Tests;

/// <summary>Every service refuses calls without a valid credential with Unauthenticated.</summary>
public sealed class AuthenticationTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Theory]
    [MemberData(nameof(MeshCalls.Services), MemberType = typeof(MeshCalls))]
    public async Task Call_ValidToken_Accepted(string service)
    {
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));

        await MeshCalls.CallAsync(service, mesh.Channel(service), TestCalls.As(token.Token));
    }

    [Theory]
    [MemberData(nameof(MeshCalls.Services), MemberType = typeof(MeshCalls))]
    public async Task Call_NoCredential_Unauthenticated(string service) =>
        await AssertUnauthenticatedAsync(service, SecureMesh.Anonymous());

    [Theory]
    [MemberData(nameof(MeshCalls.Services), MemberType = typeof(MeshCalls))]
    public async Task Call_ForgedSignature_Unauthenticated(string service)
    {
        var genuine = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));
        using var attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        var claims = new TokenClaims
        {
            Issuer = "mesh-identity",
            Subject = "alice",
            TenantId = "acme",
            Audiences = TokenOptions.MeshServices,
            IssuedAt = now,
            ExpiresAt = now.AddMinutes(5),
            TokenId = "forged",
        };

        await AssertUnauthenticatedAsync(service, TestCalls.As(JwsToken.Sign(claims, genuine.KeyId, attackerKey)));
    }

    [Theory]
    [MemberData(nameof(MeshCalls.Services), MemberType = typeof(MeshCalls))]
    public async Task Call_ExpiredToken_Unauthenticated(string service)
    {
        var issuer = mesh.Identity.Services.GetRequiredService<TokenIssuer>();
        var grant = new TokenGrant("alice", "acme", PrincipalKind.User, null, AccessScope.Unrestricted, [], TimeSpan.FromMinutes(5));
        var (expired, _, _) = issuer.Issue(grant, issuedAt: DateTimeOffset.UtcNow.AddHours(-1));

        var error = await AssertUnauthenticatedAsync(service, TestCalls.As(expired));

        Assert.Contains("expired", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MeshCalls.Services), MemberType = typeof(MeshCalls))]
    public async Task Call_TokenForAnotherAudience_Unauthenticated(string service)
    {
        var other = service == "tools" ? "inference" : "tools";
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { Audiences = { other } }, TestCalls.As(TestKeys.Acme));

        var error = await AssertUnauthenticatedAsync(service, TestCalls.As(token.Token));

        Assert.Contains($"not for the {service} service", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MeshCalls.Services), MemberType = typeof(MeshCalls))]
    public async Task Call_RevokedApiKey_Unauthenticated(string service)
    {
        var (_, admin) = await mesh.CreateTenantAsync("revoke");
        var (keyId, key) = await mesh.CreateUserAsync(admin, "carol");
        await mesh.IdentityClient.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }, TestCalls.As(admin));

        var error = await AssertUnauthenticatedAsync(service, TestCalls.As(key));

        Assert.Contains("revoked", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_KeyUsedThenRevoked_RefusedOnceTheCacheLapses()
    {
        var (_, admin) = await mesh.CreateTenantAsync("lapse");
        var (keyId, key) = await mesh.CreateUserAsync(admin, "carol");
        await MeshCalls.CallAsync("tools", mesh.Channel("tools"), TestCalls.As(key));

        await mesh.IdentityClient.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }, TestCalls.As(admin));
        var refusedAt = await RetryUntilUnauthenticatedAsync("tools", key, TimeSpan.FromSeconds(20));

        Assert.True(refusedAt <= new MeshAuthOptions().ApiKeyCacheDuration + TimeSpan.FromSeconds(5), $"still accepted {refusedAt} after revocation");
    }

    private async Task<TimeSpan> RetryUntilUnauthenticatedAsync(string service, string key, TimeSpan limit)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (started.Elapsed < limit)
        {
            try
            {
                await MeshCalls.CallAsync(service, mesh.Channel(service), TestCalls.As(key));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                return started.Elapsed;
            }

            await Task.Delay(250);
        }

        return started.Elapsed;
    }

    private async Task<RpcException> AssertUnauthenticatedAsync(string service, CallOptions options)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => MeshCalls.CallAsync(service, mesh.Channel(service), options));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        return error;
    }
}
