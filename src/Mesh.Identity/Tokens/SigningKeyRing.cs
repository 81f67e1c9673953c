using System.Security.Cryptography;
using Mesh.Security.Authentication;
using Mesh.Security.Tokens;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Tokens;

/// <summary>
/// The signing keys: signs with the newest, verifies with every key not yet retired. Rotation
/// adds a key and retires the previous ones once the longest-lived token they signed has
/// expired, so no valid token is ever refused. Replicas sharing the store pick up each other's
/// keys on their next reload.
/// </summary>
public sealed class SigningKeyRing(
    ISigningKeyStore store, SigningKeyProtector protector, IOptions<TokenOptions> options, IOptions<MeshAuthOptions> auth, TimeProvider time)
    : IKeySetSource, IDisposable
{
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private Snapshot? _snapshot;

    /// <summary>Signs <paramref name="claims"/> with the current key, rotating it first when it is due.</summary>
    public (string Token, string KeyId) Sign(TokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var snapshot = Current();
        if (snapshot.Signer is null || snapshot.SignerCreatedAt + options.Value.KeyRotationInterval <= time.GetUtcNow())
        {
            Rotate();
            snapshot = Current();
        }

        lock (snapshot.SignLock)
        {
            return (JwsToken.Sign(claims, snapshot.SignerId, snapshot.Signer!), snapshot.SignerId);
        }
    }

    /// <summary>Makes a new signing key current; returns the key set afterwards.</summary>
    public IReadOnlyList<VerificationKey> Rotate()
    {
        var now = time.GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyId = $"{now:yyyyMMdd}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        var stored = protector.Protect(keyId, key.ExportPkcs8PrivateKey());
        store.Rotate(new SigningKeyRecord(keyId, stored, now, null), now + options.Value.MaxLifetime + auth.Value.ClockSkew);
        return Reload().Keys.Values.ToList();
    }

    /// <summary>The keys that verify tokens now (the key set services fetch).</summary>
    public IReadOnlyList<VerificationKey> Keys => [.. Current().Keys.Values.OrderByDescending(k => k.RetiresAt is null).ThenBy(k => k.KeyId, StringComparer.Ordinal)];

    public string CurrentKeyId => Current().SignerId;

    public ValueTask<VerificationKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var key = Current().Keys.GetValueOrDefault(keyId) ?? Reload().Keys.GetValueOrDefault(keyId);
        return ValueTask.FromResult(key is { RetiresAt: { } retires } && retires < time.GetUtcNow() ? null : key);
    }

    public void Dispose() => _snapshot?.Dispose();

    private Snapshot Current()
    {
        var snapshot = _snapshot;
        return snapshot is not null && time.GetUtcNow() - snapshot.LoadedAt < ReloadInterval ? snapshot : Reload();
    }

    private Snapshot Reload()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var records = store.Active(now);
            var signer = records.FirstOrDefault(r => r.RetiresAt is null);
            ECDsa? signing = null;
            var keys = new Dictionary<string, VerificationKey>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                using var key = ECDsa.Create();
                key.ImportPkcs8PrivateKey(protector.Unprotect(record.KeyId, record.PrivateKey), out _);
                keys[record.KeyId] = new VerificationKey(record.KeyId, key.ExportParameters(includePrivateParameters: false), record.RetiresAt);
                if (record == signer)
                {
                    signing = ECDsa.Create(key.ExportParameters(includePrivateParameters: true));
                }
            }

            _snapshot = new Snapshot(keys, signing, signer?.KeyId ?? "", signer?.CreatedAt ?? DateTimeOffset.MinValue, now);
            return _snapshot;
        }
    }

    private sealed record Snapshot(Dictionary<string, VerificationKey> Keys, ECDsa? Signer, string SignerId, DateTimeOffset SignerCreatedAt, DateTimeOffset LoadedAt)
        : IDisposable
    {
        public Lock SignLock { get; } = new();

        public void Dispose() => Signer?.Dispose();
    }
}
