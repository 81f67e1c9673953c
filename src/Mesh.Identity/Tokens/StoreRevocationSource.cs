using Mesh.Identity.ApiKeys;
using Mesh.Security.Authentication;
using Mesh.Security.Tokens;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Tokens;

/// <summary>
/// The API keys revoked within the longest token lifetime (older revocations can have no live
/// token left), read from the store at most once a second.
/// </summary>
public sealed class StoreRevocationSource(IApiKeyStore keys, IOptions<TokenOptions> tokens, IOptions<MeshAuthOptions> auth, TimeProvider time) : IRevocationSource
{
    private static readonly TimeSpan ReadInterval = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private (HashSet<string> Ids, DateTimeOffset ReadAt) _revoked = ([], DateTimeOffset.MinValue);

    public ValueTask<bool> IsRevokedAsync(string credentialId, CancellationToken cancellationToken) => ValueTask.FromResult(Current().Contains(credentialId));

    /// <summary>The revoked credential ids (<c>key:&lt;id&gt;</c>).</summary>
    public IReadOnlyCollection<string> Revoked() => Current();

    private HashSet<string> Current()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now - _revoked.ReadAt >= ReadInterval)
            {
                var since = now - tokens.Value.MaxLifetime - auth.Value.ClockSkew;
                _revoked = (new HashSet<string>(keys.RevokedSince(since).Select(id => $"key:{id}"), StringComparer.Ordinal), now);
            }

            return _revoked.Ids;
        }
    }
}
