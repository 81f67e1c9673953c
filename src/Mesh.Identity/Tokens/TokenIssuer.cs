using Mesh.Security.Authentication;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Tokens;

/// <summary>What a token is asked for: subject, actor, scope, audiences and lifetime.</summary>
public sealed record TokenGrant(string Subject, string TenantId, PrincipalKind Kind, string? Actor, AccessScope Scope, IReadOnlyList<string> Audiences, TimeSpan? Lifetime)
{
    /// <summary>The latest the token may expire: the expiry of the credential it is minted from.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>The revocable credential it is minted from (<c>key:&lt;id&gt;</c>).</summary>
    public string? Source { get; init; }
}

/// <summary>Issues short-lived ES256 tokens signed by the key ring.</summary>
public sealed class TokenIssuer(SigningKeyRing keys, IOptions<TokenOptions> options, IOptions<MeshAuthOptions> auth, TimeProvider time)
{
    /// <summary>Signs a token for <paramref name="grant"/>; its lifetime is capped at the maximum (retired keys verify that long).</summary>
    public (string Token, TokenClaims Claims, string KeyId) Issue(TokenGrant grant, DateTimeOffset? issuedAt = null)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var settings = options.Value;
        var lifetime = grant.Lifetime is { } requested && requested > TimeSpan.Zero
            ? TimeSpan.FromTicks(Math.Min(requested.Ticks, settings.MaxLifetime.Ticks))
            : settings.DefaultLifetime;
        var now = issuedAt ?? time.GetUtcNow();
        var claims = new TokenClaims
        {
            Issuer = auth.Value.Issuer,
            Subject = grant.Subject,
            TenantId = grant.TenantId,
            Kind = grant.Kind,
            Actor = string.IsNullOrEmpty(grant.Actor) ? null : grant.Actor,
            Audiences = grant.Audiences.Count > 0 ? grant.Audiences
                : settings.DefaultAudiences.Count > 0 ? [.. settings.DefaultAudiences] : TokenOptions.MeshServices,
            IssuedAt = now,
            ExpiresAt = grant.NotAfter is { } notAfter && notAfter < now + lifetime ? notAfter : now + lifetime,
            TokenId = Guid.CreateVersion7(now).ToString("N"),
            Scope = grant.Scope,
            Source = grant.Source,
        };
        var (token, keyId) = keys.Sign(claims);
        return (token, claims, keyId);
    }
}
