using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Security;

/// <summary>What a Mesh service may do in the name of the mesh, beyond acting for its callers.</summary>
public enum ServiceRight
{
    /// <summary>Resolve callers' API keys (Identity.AuthenticateApiKey).</summary>
    AuthenticateKeys,

    /// <summary>Ask for access decisions and budget reservations for its callers (Permissions.Authorize).</summary>
    Authorize,

    /// <summary>Reserve budget for work it does for a caller outside one RPC (Budgets.Reserve: the steps of a run).</summary>
    Reserve,

    /// <summary>Settle reservations at the billed cost (Budgets.Settle, SettleUsage).</summary>
    Settle,

    /// <summary>Publish usage events for any tenant (UsageIngest.Publish).</summary>
    PublishUsage,

    /// <summary>Mint a run's token for its caller, with an agent as actor (Tokens.IssueToken on_behalf_of).</summary>
    IssueRunTokens,
}

/// <summary>
/// Each service's own principal (<c>service:&lt;name&gt;</c> in the <c>system</c> tenant, a short-lived
/// token from identity) holds only the rights its work needs: one compromised service is not
/// mesh admin anywhere. Mesh admins (the bootstrap key, a person) hold every right.
/// </summary>
public static class ServiceRights
{
    private static readonly Dictionary<string, ServiceRight[]> Granted = new(StringComparer.Ordinal)
    {
        ["identity"] = [ServiceRight.PublishUsage],
        ["inference"] = [ServiceRight.AuthenticateKeys, ServiceRight.Authorize, ServiceRight.PublishUsage],
        ["tools"] = [ServiceRight.AuthenticateKeys, ServiceRight.Authorize, ServiceRight.PublishUsage],
        ["agents"] = [ServiceRight.AuthenticateKeys, ServiceRight.Authorize, ServiceRight.Reserve, ServiceRight.PublishUsage, ServiceRight.IssueRunTokens],
        ["telemetry"] = [ServiceRight.AuthenticateKeys, ServiceRight.Authorize, ServiceRight.Settle],
    };

    /// <summary>The Mesh services, by name.</summary>
    public static IReadOnlyCollection<string> Services => Granted.Keys;

    /// <summary>The rights of service <paramref name="name"/>; empty for anything that is not a Mesh service.</summary>
    public static IReadOnlyList<ServiceRight> Of(string name) => Granted.GetValueOrDefault(name) ?? [];

    /// <summary>Is <paramref name="caller"/> a Mesh service (its own credential, not acting for anyone)?</summary>
    public static bool IsMeshService(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Kind == PrincipalKind.Service && caller.TenantId == ApiKeyAuthenticator.SystemTenant
            && caller.ActorId is null && caller.Scope is null && Granted.ContainsKey(caller.PrincipalId);
    }

    public static bool Holds(Caller caller, ServiceRight right)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.IsAdmin || IsMeshService(caller) && Granted[caller.PrincipalId].Contains(right);
    }

    /// <summary>The caller when it holds <paramref name="right"/>; PermissionDenied naming the right otherwise.</summary>
    public static Caller Require(ServiceRight right, string what)
    {
        var caller = CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");
        if (Holds(caller, right))
        {
            return caller;
        }

        var holders = string.Join(", ", Granted.Where(g => g.Value.Contains(right)).Select(g => $"service:{g.Key}"));
        throw MeshErrors.PermissionDenied($"only Mesh services with the {right} right ({holders}) and mesh admins may {what}; {caller.Subject} does not hold it");
    }
}
