using Mesh.ServiceDefaults.Auth;
using Microsoft.Extensions.Options;

namespace Mesh.Agents;

/// <summary>The agents service's own identity, for work it does for no particular caller.</summary>
public sealed class AgentsIdentity(IOptions<ApiKeyOptions> keys)
{
    public CallScope Scope { get; } = new(
        new Caller("agents", ApiKeyAuthenticator.SystemTenant, PrincipalKind.Service, IsAdmin: true),
        $"Bearer {keys.Value.BootstrapApiKey}");
}
