using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Tokens;

/// <summary>
/// Checks a token locally: ES256 signature by a key of identity's key set (verified once per
/// token, see <see cref="VerifiedTokens"/>), issuer, expiry and that this service is among its audiences.
/// </summary>
public sealed class TokenValidator(IKeySetSource keys, IOptions<MeshAuthOptions> options, MeshServiceInfo service, TimeProvider time, VerifiedTokens verified)
{
    public async ValueTask<AuthenticationResult> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (!JwsToken.TryReadHeader(token, out var keyId, out var failure))
        {
            return AuthenticationResult.Fail(failure);
        }

        var key = await keys.FindAsync(keyId, cancellationToken);
        if (key is null)
        {
            return AuthenticationResult.Fail($"the token was signed with an unknown key '{keyId}'");
        }

        var now = time.GetUtcNow();
        var claims = verified.Find(token);
        if (claims is null)
        {
            claims = key.Verify(token);
            if (claims is null)
            {
                return AuthenticationResult.Fail("the token signature is not valid");
            }

            verified.Add(token, claims, now);
        }

        var settings = options.Value;
        if (claims.Issuer != settings.Issuer)
        {
            return AuthenticationResult.Fail("the token was not issued by this mesh's identity service");
        }

        if (now > claims.ExpiresAt + settings.ClockSkew)
        {
            return AuthenticationResult.Fail("the token has expired; ask identity for a new one");
        }

        if (now + settings.ClockSkew < claims.IssuedAt)
        {
            return AuthenticationResult.Fail("the token is not valid yet");
        }

        if (!claims.Audiences.Contains(service.Name, StringComparer.Ordinal))
        {
            return AuthenticationResult.Fail($"the token is not for the {service.Name} service");
        }

        return AuthenticationResult.Success(claims.ToCaller());
    }
}
