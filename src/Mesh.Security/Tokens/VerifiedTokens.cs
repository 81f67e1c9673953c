using System.Collections.Concurrent;

namespace Mesh.Security.Tokens;

/// <summary>
/// Tokens whose signature this process has already verified, with their claims, so a caller
/// that sends the same token on every call pays for the ES256 check once. Only the signature
/// check is saved: the key must still be in the key set, and issuer, expiry and audience are
/// checked on every call. Keyed by the whole token, signature included, and only successes are
/// kept, so a tampered token never matches an entry.
/// </summary>
public sealed class VerifiedTokens(int capacity = VerifiedTokens.DefaultCapacity)
{
    public const int DefaultCapacity = 4096;

    private readonly ConcurrentDictionary<string, TokenClaims> _claims = new(StringComparer.Ordinal);

    public int Count => _claims.Count;

    public TokenClaims? Find(string token) => _claims.GetValueOrDefault(token);

    /// <summary>Remembers a verified token; when full, expired entries go first, then everything.</summary>
    public void Add(string token, TokenClaims claims, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (_claims.Count >= capacity)
        {
            foreach (var (cached, cachedClaims) in _claims)
            {
                if (cachedClaims.ExpiresAt < now)
                {
                    _claims.TryRemove(cached, out _);
                }
            }

            if (_claims.Count >= capacity)
            {
                _claims.Clear();
            }
        }

        _claims[token] = claims;
    }
}
