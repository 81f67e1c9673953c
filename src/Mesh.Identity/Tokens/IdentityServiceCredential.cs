using Mesh.Security;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Tokens;

/// <summary>
/// Identity's own credential for its calls to other services (publishing usage, reading prices):
/// a service token it signs itself, renewed halfway through its life.
/// </summary>
public sealed class IdentityServiceCredential(TokenIssuer issuer, Microsoft.Extensions.Options.IOptions<ServiceKeyOptions> options, TimeProvider time) : IServiceCredentials
{
    private readonly Lock _lock = new();
    private (string Authorization, DateTimeOffset RenewAt) _current = ("", DateTimeOffset.MinValue);

    public ValueTask<string> AuthorizationAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now >= _current.RenewAt)
            {
                var grant = new TokenGrant("identity", ApiKeyAuthenticator.SystemTenant, PrincipalKind.Service, null, AccessScope.Unrestricted,
                    [.. ServiceRights.Services], options.Value.ServiceTokenLifetime);
                var (token, claims, _) = issuer.Issue(grant);
                _current = ($"Bearer {token}", now + ((claims.ExpiresAt - now) / 2));
            }

            return ValueTask.FromResult(_current.Authorization);
        }
    }
}
