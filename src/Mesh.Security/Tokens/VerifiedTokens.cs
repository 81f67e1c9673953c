using System.Collections.Concurrent;

namespace Mesh.Security.Tokens;

/// <summary>A token whose signature was verified: its claims and the key that signed it.</summary>
public sealed record VerifiedToken(TokenClaims Claims, string KeyId);

/// <summary>
/// Tokens whose signature this process has already verified, with their claims and key id, so a
/// caller that sends the same token on every call pays for reading and checking it once. Only
/// that is saved: the key must still be in the key set, and issuer, expiry, audience and
/// revocation are checked on every call. Keyed by the whole token, signature included, and only
/// successes are kept, so a tampered token never matches an entry.
/// </summary>
public sealed class VerifiedTokens(int capacity = VerifiedTokens.DefaultCapacity)
{
    public const int DefaultCapacity = 4096;

    private readonly ConcurrentDictionary<string, VerifiedToken> _claims = new(StringComparer.Ordinal);

    public int Count => _claims.Count;

    public VerifiedToken? Find(string token) => _claims.GetValueOrDefault(token);

    /// <summary>Remembers a verified token; when full, expired entries go first, then everything.</summary>
    public void Add(string token, VerifiedToken verified, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(verified);
        if (_claims.Count >= capacity)
        {
            foreach (var (cached, entry) in _claims)
            {
                if (entry.Claims.ExpiresAt < now)
                {
                    _claims.TryRemove(cached, out _);
                }
            }

            if (_claims.Count >= capacity)
            {
                _claims.Clear();
            }
        }

        _claims[token] = verified;
    }
}
