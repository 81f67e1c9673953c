using Mesh.Security;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Agents;

/// <summary>The agents service's own identity, for work it does for no particular caller.</summary>
public sealed class AgentsIdentity(ServiceCredential credential)
{
    public CallScope Scope { get; } = new(
        new Caller("agents", ApiKeyAuthenticator.SystemTenant, PrincipalKind.Service, IsAdmin: true),
        credential.Authorization);
}
