using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Security.Tokens;
using Mesh.Testing;

namespace Mesh.Identity.Tests;

public sealed class TokenTests : IDisposable
{
    private readonly IdentityHost _host = new();

    [Fact]
    public async Task IssueToken_AgentForUser_SubjectIsUserActorIsAgentAndScoped()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var carol = await _host.CreatePrincipalAsync(admin, "carol");

        var issued = await _host.Tokens.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { "calculator" }, RunId = "run-1" },
        }, TestCalls.As(carol));
        var principal = await _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(issued.Token));

        Assert.Equal(("carol", "acme", "assistant"), (principal.Id, principal.TenantId, principal.ActorId));
        Assert.Equal(["calculator"], principal.Scope.Tools);
        Assert.Equal("run-1", principal.Scope.RunId);
        Assert.False(principal.Admin);
    }

    [Fact]
    public async Task IssueToken_ScopedTokenAsksForWiderScope_PermissionDenied()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var carol = await _host.CreatePrincipalAsync(admin, "carol");
        var narrow = await _host.Tokens.IssueTokenAsync(new IssueTokenRequest { Scope = new CredentialScope { Tools = { "clock" } } }, TestCalls.As(carol));

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Tokens.IssueTokenAsync(
            new IssueTokenRequest { Scope = new CredentialScope { Tools = { "calculator" } } }, TestCalls.As(narrow.Token)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task RotateSigningKey_TokenSignedBefore_StillValidAndKeySetHoldsBothKeys()
    {
        var before = await _host.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));

        var keySet = await _host.Tokens.RotateSigningKeyAsync(new RotateSigningKeyRequest(), TestCalls.As(TestKeys.Admin));
        var after = await _host.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));

        Assert.NotEqual(before.KeyId, after.KeyId);
        Assert.Equal(after.KeyId, keySet.CurrentKeyId);
        Assert.Contains(keySet.Keys, k => k.KeyId == before.KeyId && k.RetiresAt is not null);
        Assert.Equal("alice", (await _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(before.Token))).Id);
        Assert.Equal("alice", (await _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(after.Token))).Id);
    }

    [Fact]
    public async Task GetKeySet_NoCredentials_ReturnsEs256PublicKeys()
    {
        var keySet = await _host.KeySet.GetKeySetAsync(new GetKeySetRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        var key = Assert.Single(keySet.Keys);
        Assert.Equal((JwsToken.Algorithm, "P-256"), (key.Algorithm, key.Curve));
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(key.X).Length);
    }

    [Fact]
    public async Task WhoAmI_TamperedToken_Unauthenticated()
    {
        var issued = await _host.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));
        var parts = issued.Token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).Replace("\"alice\"", "\"admin\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload))}.{parts[2]}";

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(tampered)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    public void Dispose() => _host.Dispose();
}
