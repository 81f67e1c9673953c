using System.Security.Cryptography;
using Mesh.Security.Authentication;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Tests.Authentication;

public sealed class TokenValidatorTests : IDisposable
{
    private const string KeyId = "20261127-test";
    private readonly ECDsa _signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly KeySet _keys = new();
    private readonly Clock _clock = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly VerifiedTokens _verified = new();
    private readonly Revocations _revoked = new();
    private readonly TokenValidator _validator;

    public TokenValidatorTests()
    {
        _keys.Add(new VerificationKey(KeyId, _signer.ExportParameters(includePrivateParameters: false), null));
        _validator = new TokenValidator(_keys, _revoked, Options.Create(new MeshAuthOptions()), new MeshServiceInfo("tools"), _clock, _verified);
    }

    [Fact]
    public async Task Validate_SameTokenTwice_VerifiesTheSignatureOnceAndGivesTheSameCaller()
    {
        var token = Sign(TimeSpan.FromMinutes(5));

        var first = await _validator.ValidateAsync(token, CancellationToken.None);
        var second = await _validator.ValidateAsync(token, CancellationToken.None);

        Assert.Equal("alice", first.Caller?.PrincipalId);
        Assert.Equal(first.Caller, second.Caller);
        Assert.Equal(1, _verified.Count);
    }

    [Fact]
    public async Task Validate_VerifiedTokenWhoseKeyLeftTheKeySet_Refused()
    {
        var token = Sign(TimeSpan.FromMinutes(5));
        await _validator.ValidateAsync(token, CancellationToken.None);

        _keys.Clear();
        var again = await _validator.ValidateAsync(token, CancellationToken.None);

        Assert.Null(again.Caller);
        Assert.Contains("unknown key", again.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_VerifiedTokenPastItsExpiry_Refused()
    {
        var token = Sign(TimeSpan.FromMinutes(5));
        await _validator.ValidateAsync(token, CancellationToken.None);

        _clock.Now += TimeSpan.FromMinutes(6); // past expiry and the 30 s clock skew
        var again = await _validator.ValidateAsync(token, CancellationToken.None);

        Assert.Null(again.Caller);
        Assert.Contains("expired", again.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_VerifiedTokenWithAlteredSignature_RefusedAndNotRemembered()
    {
        var token = Sign(TimeSpan.FromMinutes(5));
        await _validator.ValidateAsync(token, CancellationToken.None);
        // A character well inside the signature (the last one also carries unused padding bits).
        var at = token.Length - 10;
        var tampered = string.Concat(token.AsSpan(0, at), token[at] == 'A' ? "B" : "A", token.AsSpan(at + 1));

        var altered = await _validator.ValidateAsync(tampered, CancellationToken.None);

        Assert.Null(altered.Caller);
        Assert.Contains("signature is not valid", altered.Failure, StringComparison.Ordinal);
        Assert.Equal(1, _verified.Count);
    }

    [Fact]
    public void Add_Full_DropsExpiredEntriesFirst()
    {
        var now = _clock.Now;
        var cache = new VerifiedTokens(capacity: 2);
        cache.Add("expired", new VerifiedToken(Claims(now - TimeSpan.FromMinutes(1)), KeyId), now);
        cache.Add("live", new VerifiedToken(Claims(now + TimeSpan.FromMinutes(1)), KeyId), now);

        cache.Add("new", new VerifiedToken(Claims(now + TimeSpan.FromMinutes(1)), KeyId), now);

        Assert.Null(cache.Find("expired"));
        Assert.NotNull(cache.Find("live"));
        Assert.NotNull(cache.Find("new"));
    }

    [Fact]
    public async Task Validate_SourceKeyRevoked_RefusedEvenThoughAlreadyVerified()
    {
        var token = JwsToken.Sign(Claims(_clock.Now + TimeSpan.FromMinutes(5)) with { Source = "key:0123456789abcdef" }, KeyId, _signer);
        Assert.NotNull((await _validator.ValidateAsync(token, CancellationToken.None)).Caller);

        _revoked.Revoked.Add("key:0123456789abcdef");
        var refused = await _validator.ValidateAsync(token, CancellationToken.None);

        Assert.Null(refused.Caller);
        Assert.Contains("revoked", refused.Failure, StringComparison.Ordinal);
    }

    public void Dispose() => _signer.Dispose();

    private string Sign(TimeSpan lifetime) => JwsToken.Sign(Claims(_clock.Now + lifetime), KeyId, _signer);

    private TokenClaims Claims(DateTimeOffset expiresAt) => new()
    {
        Issuer = new MeshAuthOptions().Issuer,
        Subject = "alice",
        TenantId = "acme",
        Audiences = ["tools"],
        IssuedAt = _clock.Now,
        ExpiresAt = expiresAt,
        TokenId = Guid.NewGuid().ToString("N"),
    };

    private sealed class KeySet : IKeySetSource
    {
        private readonly Dictionary<string, VerificationKey> _keys = [];

        public void Add(VerificationKey key) => _keys[key.KeyId] = key;

        public void Clear() => _keys.Clear();

        public ValueTask<VerificationKey?> FindAsync(string keyId, CancellationToken cancellationToken) => ValueTask.FromResult(_keys.GetValueOrDefault(keyId));
    }

    private sealed class Revocations : IRevocationSource
    {
        public HashSet<string> Revoked { get; } = [];

        public ValueTask<bool> IsRevokedAsync(string credentialId, CancellationToken cancellationToken) => ValueTask.FromResult(Revoked.Contains(credentialId));
    }

    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
