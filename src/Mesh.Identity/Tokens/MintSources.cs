using Mesh.Identity.ApiKeys;
using Mesh.Security.Authentication;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Tokens;

/// <summary>
/// The credential a token is minted from, with what bounds the token: the caller it stands for,
/// the audiences it may reach (null: every service), when it expires and the revocable credential
/// at its root.
/// </summary>
public sealed record MintSource(Caller Caller, IReadOnlyList<string>? Audiences, DateTimeOffset? ExpiresAt, string? Source);

/// <summary>Turns a caller, or a credential a service presents for its caller, into a <see cref="MintSource"/>.</summary>
public sealed class MintSources(ApiKeyVerifier apiKeys, ApiKeyAuthenticator configuredKeys, TokenValidator tokens)
{
    /// <summary>The authenticated caller itself (an API key, a configured key or a mesh admin).</summary>
    public static MintSource Of(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new MintSource(caller, null, caller.ExpiresAt, caller.Source);
    }

    /// <summary>
    /// The credential <paramref name="authorization"/> (<c>Bearer ...</c>) that called the service
    /// <paramref name="service"/>: a token must have been meant for that service.
    /// </summary>
    public async ValueTask<MintSource> OfCredentialAsync(string authorization, string service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        const string Scheme = "Bearer ";
        var credential = authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? authorization[Scheme.Length..].Trim() : authorization.Trim();
        if (credential.Length == 0)
        {
            throw MeshErrors.InvalidArgument("on_behalf_of", "is empty; pass the run caller's authorization value (Bearer ...)");
        }

        if (JwsToken.LooksLikeToken(credential))
        {
            var (claims, failure) = await tokens.VerifyAsync(credential, service, cancellationToken);
            return claims is null
                ? throw MeshErrors.PermissionDenied($"the run caller's token cannot be used: {failure}")
                : new MintSource(claims.ToCaller(), claims.Audiences, claims.ExpiresAt, claims.Source);
        }

        if (configuredKeys.Match(credential, tenantHeader: null) is { } configured)
        {
            return new MintSource(configured, null, null, null);
        }

        var result = apiKeys.Verify(credential);
        return result.Caller is { } caller
            ? new MintSource(caller, null, caller.ExpiresAt, caller.Source)
            : throw MeshErrors.PermissionDenied($"the run caller's API key cannot be used: {result.Failure}");
    }
}
