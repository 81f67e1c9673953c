using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Agents;

/// <summary>The agents service's own identity (<c>service:agents</c>), for work it does for no particular caller.</summary>
public sealed class AgentsIdentity(IServiceCredentials credentials)
{
    public async Task<CallScope> ScopeAsync(CancellationToken cancellationToken) => new(
        new Caller("agents", ApiKeyAuthenticator.SystemTenant, PrincipalKind.Service, IsAdmin: false),
        await credentials.AuthorizationAsync(cancellationToken));
}
