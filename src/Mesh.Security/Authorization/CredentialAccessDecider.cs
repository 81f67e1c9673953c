namespace Mesh.Security.Authorization;

/// <summary>
/// <see cref="AuthorizationMode.Credentials"/>: the authenticated credential already fixed the
/// tenant and its scope was checked; no relations or budgets are consulted.
/// </summary>
public sealed class CredentialAccessDecider : IAccessDecider
{
    public bool AuditsAllows => false;

    public ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AccessDecision.Allow("credentials mode: the credential's tenant and scope decide"));
}
