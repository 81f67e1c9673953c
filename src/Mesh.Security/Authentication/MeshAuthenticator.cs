using Grpc.Core;
using Mesh.Security.Authentication.ApiKeys;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authentication;

/// <summary>
/// Authenticates <c>authorization: Bearer ...</c>: a token (compact JWS) is verified locally
/// against identity's key set; a configured key (the bootstrap key, <c>Mesh:ApiKeys</c>) is
/// matched locally; a Mesh API key (<c>mesh_...</c>) is resolved through identity.
/// </summary>
public sealed class MeshAuthenticator(ApiKeyAuthenticator configuredKeys, TokenValidator tokens, IApiKeyResolver apiKeys) : ICallerAuthenticator
{
    public ValueTask<AuthenticationResult> AuthenticateAsync(Metadata headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!BearerCredential.TryRead(headers, out var credential, out var failure))
        {
            return ValueTask.FromResult(AuthenticationResult.Fail(failure));
        }

        if (JwsToken.LooksLikeToken(credential))
        {
            return tokens.ValidateAsync(credential, cancellationToken);
        }

        if (configuredKeys.Match(credential, headers.GetValue(MeshHeaders.Tenant)) is { } caller)
        {
            return ValueTask.FromResult(AuthenticationResult.Success(caller));
        }

        return ApiKeyFormat.TryParse(credential, out _)
            ? apiKeys.ResolveAsync(credential, cancellationToken)
            : ValueTask.FromResult(AuthenticationResult.Fail("the API key is not valid"));
    }
}
