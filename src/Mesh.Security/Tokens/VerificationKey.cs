using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Mesh.Security.Tokens;

/// <summary>
/// A P-256 public key that verifies tokens. ECDsa instances are not thread-safe, so calls
/// rent one from a small pool instead of sharing one.
/// </summary>
public sealed class VerificationKey(string keyId, ECParameters parameters, DateTimeOffset? retiresAt) : IDisposable
{
    private readonly ConcurrentBag<ECDsa> _pool = [];

    public string KeyId => keyId;

    /// <summary>The public point, for publishing the key as a JWK.</summary>
    public ECPoint PublicPoint => parameters.Q;

    /// <summary>When the key stops verifying (its last token has expired); null while it signs.</summary>
    public DateTimeOffset? RetiresAt => retiresAt;

    public static VerificationKey FromJwk(string keyId, string x, string y, DateTimeOffset? retiresAt) => new(keyId, new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = System.Buffers.Text.Base64Url.DecodeFromChars(x), Y = System.Buffers.Text.Base64Url.DecodeFromChars(y) },
    }, retiresAt);

    public TokenClaims? Verify(string token)
    {
        var key = _pool.TryTake(out var pooled) ? pooled : ECDsa.Create(parameters);
        try
        {
            return JwsToken.Verify(token, key);
        }
        finally
        {
            _pool.Add(key);
        }
    }

    public void Dispose()
    {
        while (_pool.TryTake(out var key))
        {
            key.Dispose();
        }
    }
}
