using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Tokens;

/// <summary>
/// Checks a token locally: ES256 signature by a key of identity's key set (verified once per
/// token, see <see cref="VerifiedTokens"/>), issuer, expiry, that this service is among its
/// audiences, and that the credential it was minted from has not been revoked.
/// </summary>
public sealed class TokenValidator(
    IKeySetSource keys, IRevocationSource revocations, IOptions<MeshAuthOptions> options, MeshServiceInfo service, TimeProvider time, VerifiedTokens verified)
{
    /// <summary>A token presented to this service.</summary>
    public async ValueTask<AuthenticationResult> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var (claims, failure) = await VerifyAsync(token, service.Name, cancellationToken);
        return claims is null ? AuthenticationResult.Fail(failure) : AuthenticationResult.Success(claims.ToCaller());
    }

    /// <summary>The claims of a token meant for <paramref name="audience"/>, or why it is not valid.</summary>
    public async ValueTask<(TokenClaims? Claims, string Failure)> VerifyAsync(string token, string audience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        // A token verified before was well formed: only its key must still be in the key set.
        var known = verified.Find(token);
        var keyId = known?.KeyId;
        if (keyId is null && !JwsToken.TryReadHeader(token, out keyId, out var failure))
        {
            return (null, failure);
        }

        var key = await keys.FindAsync(keyId, cancellationToken);
        if (key is null)
        {
            return (null, $"the token was signed with an unknown key '{Bounded(keyId)}'");
        }

        var now = time.GetUtcNow();
        var claims = known?.Claims;
        if (claims is null)
        {
            claims = key.Verify(token);
            if (claims is null)
            {
                return (null, "the token signature is not valid");
            }

            verified.Add(token, new VerifiedToken(claims, keyId), now);
        }

        var settings = options.Value;
        if (claims.Issuer != settings.Issuer)
        {
            return (null, "the token was not issued by this mesh's identity service");
        }

        if (now > claims.ExpiresAt + settings.ClockSkew)
        {
            return (null, "the token has expired; ask identity for a new one");
        }

        if (now + settings.ClockSkew < claims.IssuedAt)
        {
            return (null, "the token is not valid yet");
        }

        if (!claims.Audiences.Contains(audience, StringComparer.Ordinal))
        {
            return (null, $"the token is not for the {audience} service");
        }

        if (claims.Source is { Length: > 0 } source && await revocations.IsRevokedAsync(source, cancellationToken))
        {
            return (null, $"the credential this token was minted from ({source}) has been revoked");
        }

        return (claims, "");
    }

    private static string Bounded(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
