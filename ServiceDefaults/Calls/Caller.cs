namespace Mesh.ServiceDefaults.Calls;

/// <summary>The kind of principal behind a call.</summary>
public enum PrincipalKind
{
    User,
    Agent,
    Service,
}

/// <summary>Who a call is made by, as the authenticator established it.</summary>
/// <param name="PrincipalId">The user, agent or service.</param>
/// <param name="TenantId">The tenant the call acts in.</param>
/// <param name="Kind">What kind of principal it is.</param>
/// <param name="IsAdmin">Mesh admins may act in any tenant and publish usage for others.</param>
public sealed record Caller(string PrincipalId, string TenantId, PrincipalKind Kind, bool IsAdmin)
{
    /// <summary>The agent acting for the principal (a token's <c>act</c> claim), or null.</summary>
    public string? ActorId { get; init; }

    /// <summary>What the credential is limited to; null when it is unrestricted.</summary>
    public AccessScope? Scope { get; init; }

    /// <summary>The API key id or token id that authenticated the call, for the audit trail.</summary>
    public string? CredentialId { get; init; }

    /// <summary>When the credential stops working; null when it does not expire.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The revocable credential this one stands on (<c>key:&lt;id&gt;</c>): tokens minted from it die with it.</summary>
    public string? Source { get; init; }

    /// <summary>May this caller see or act on data of <paramref name="tenantId"/>?</summary>
    public bool CanAccessTenant(string tenantId) => IsAdmin || string.Equals(TenantId, tenantId, StringComparison.Ordinal);

    /// <summary>The subject as relations name it: <c>user:alice</c>, <c>agent:bot</c>, <c>service:agents</c>.</summary>
    public string Subject => $"{KindName(Kind)}:{PrincipalId}";

    public static string KindName(PrincipalKind kind) => kind switch
    {
        PrincipalKind.Agent => "agent",
        PrincipalKind.Service => "service",
        _ => "user",
    };

    public static bool TryParseKind(string? text, out PrincipalKind kind)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "user":
                kind = PrincipalKind.User;
                return true;
            case "agent":
                kind = PrincipalKind.Agent;
                return true;
            case "service":
                kind = PrincipalKind.Service;
                return true;
            default:
                kind = PrincipalKind.User;
                return false;
        }
    }
}
