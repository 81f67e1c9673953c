using System.Buffers;
using System.Security.Cryptography;
using Mesh.Security.Authentication;
using Mesh.Security.Tokens;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Tokens;

/// <summary>
/// The signing keys: signs with the newest, verifies with every key not yet retired. Rotation
/// adds a key and retires the previous ones once the longest-lived token they signed has
/// expired, so no valid token is ever refused. Replicas sharing the store pick up each other's
/// keys on their next reload (every 30 s, or at once for a token signed by a key id not yet known).
/// </summary>
public sealed class SigningKeyRing(
    ISigningKeyStore store, SigningKeyProtector protector, IOptions<TokenOptions> options, IOptions<MeshAuthOptions> auth, TimeProvider time)
    : IKeySetSource, IDisposable
{
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(30);
    private const int KeyIdRandomBytes = 6;
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");
    private readonly Lock _lock = new();
    private readonly Lock _signLock = new(); // ECDsa is not thread-safe
    private Snapshot? _snapshot;

    /// <summary>Signs <paramref name="claims"/> with the current key, rotating it first when it is due.</summary>
    public (string Token, string KeyId) Sign(TokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var snapshot = Current();
        if (IsDue(snapshot))
        {
            // Another replica sharing the store may have rotated already: rotate only if the stored key is still due.
            snapshot = Reload();
            if (IsDue(snapshot))
            {
                Rotate();
                snapshot = Current();
            }
        }

        lock (_signLock)
        {
            return (JwsToken.Sign(claims, snapshot.SignerId, snapshot.Signer!), snapshot.SignerId);
        }
    }

    /// <summary>Makes a new signing key current; returns the key set afterwards.</summary>
    public IReadOnlyList<VerificationKey> Rotate()
    {
        var now = time.GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyId = $"{now:yyyyMMdd}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyIdRandomBytes))}";
        var stored = protector.Protect(keyId, key.ExportPkcs8PrivateKey());
        // Other replicas sign with the old key until their next reload: it verifies for that long after the longest token too.
        store.Rotate(new SigningKeyRecord(keyId, stored, now, null), now + options.Value.MaxLifetime + auth.Value.ClockSkew + ReloadInterval);
        return Reload().Keys.Values.ToList();
    }

    /// <summary>The keys that verify tokens now (the key set services fetch).</summary>
    public IReadOnlyList<VerificationKey> Keys => [.. Current().Keys.Values.OrderByDescending(k => k.RetiresAt is null).ThenBy(k => k.KeyId, StringComparer.Ordinal)];

    public string CurrentKeyId => Current().SignerId;

    /// <summary>
    /// The key a token names. An unknown key id reloads the key set when another replica may have
    /// rotated: at most once per <see cref="MeshAuthOptions.UnknownKeyRefreshInterval"/>, and
    /// within it only when the store holds that key (a replica that rotated a moment ago). So a
    /// token with a made-up key id costs a malformed-id check or one indexed lookup, never a
    /// reload and decryption of every key.
    /// </summary>
    public ValueTask<VerificationKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        var snapshot = Current();
        var key = snapshot.Keys.GetValueOrDefault(keyId);
        if (key is null && IsKeyId(keyId)
            && (time.GetUtcNow() - snapshot.LoadedAt >= auth.Value.UnknownKeyRefreshInterval || store.Contains(keyId)))
        {
            key = Reload().Keys.GetValueOrDefault(keyId);
        }

        return ValueTask.FromResult(key is { RetiresAt: { } retires } && retires < time.GetUtcNow() ? null : key);
    }

    public void Dispose() => _snapshot?.Signer?.Dispose();

    /// <summary>Whether <paramref name="keyId"/> has the shape this ring gives key ids: <c>yyyyMMdd-</c> and 12 hex digits.</summary>
    private static bool IsKeyId(string keyId) =>
        keyId.Length == 9 + (2 * KeyIdRandomBytes) && keyId[8] == '-'
        && !keyId.AsSpan(0, 8).ContainsAnyExceptInRange('0', '9') && !keyId.AsSpan(9).ContainsAnyExcept(LowerHex);

    private bool IsDue(Snapshot snapshot) => snapshot.Signer is null || snapshot.SignerCreatedAt + options.Value.KeyRotationInterval <= time.GetUtcNow();

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
            var previous = _snapshot;
            var keys = new Dictionary<string, VerificationKey>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                // Only keys new to this replica are decrypted; known ones keep their public half.
                keys[record.KeyId] = previous?.Keys.GetValueOrDefault(record.KeyId) is { } known && known.RetiresAt == record.RetiresAt
                    ? known
                    : PublicKey(record);
            }

            var signing = previous is not null && previous.SignerId == signer?.KeyId ? previous.Signer : signer is null ? null : PrivateKey(signer);
            _snapshot = new Snapshot(keys, signing, signer?.KeyId ?? "", signer?.CreatedAt ?? DateTimeOffset.MinValue, now);
            return _snapshot;
        }
    }

    private VerificationKey PublicKey(SigningKeyRecord record)
    {
        using var key = PrivateKey(record);
        return new VerificationKey(record.KeyId, key.ExportParameters(includePrivateParameters: false), record.RetiresAt);
    }

    private ECDsa PrivateKey(SigningKeyRecord record)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(protector.Unprotect(record.KeyId, record.PrivateKey), out _);
        return key;
    }

    /// <summary>The keys at one load; the signer is shared by later snapshots while it stays current.</summary>
    private sealed record Snapshot(Dictionary<string, VerificationKey> Keys, ECDsa? Signer, string SignerId, DateTimeOffset SignerCreatedAt, DateTimeOffset LoadedAt);
}
