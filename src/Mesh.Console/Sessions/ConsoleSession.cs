using System.Security.Claims;

namespace Mesh.Console.Sessions;

/// <summary>
/// What a console session holds: the credential it signed in with (kept in the server-side
/// session, never in the cookie or a URL), who the mesh takes it to be, and, for mesh admins,
/// the tenant chosen.
/// </summary>
public sealed record ConsoleSession(string Credential, string PrincipalId, string PrincipalKind, string HomeTenant, bool MeshAdmin, bool TenantAdmin, string? ChosenTenant)
{
    public const string AuthenticationScheme = "mesh-console";

    private const string CredentialClaim = "mesh:credential";
    private const string TenantClaim = "mesh:tenant";
    private const string KindClaim = "mesh:kind";
    private const string MeshAdminClaim = "mesh:admin";
    private const string TenantAdminClaim = "mesh:tenant-admin";
    private const string ChosenTenantClaim = "mesh:chosen-tenant";

    /// <summary>The tenant every page shows: the chosen one for mesh admins, else the credential's own.</summary>
    public string Tenant => MeshAdmin && !string.IsNullOrEmpty(ChosenTenant) ? ChosenTenant : HomeTenant;

    /// <summary>The <c>x-mesh-tenant</c> header to send: only mesh admins act in another tenant.</summary>
    public string? TenantHeader => MeshAdmin && !string.IsNullOrEmpty(ChosenTenant) ? ChosenTenant : null;

    /// <summary>
    /// The tenant analytics queries name: telemetry scopes everyone else to their own tenant by
    /// itself, but answers a mesh admin about every tenant unless the query names one.
    /// </summary>
    public string? QueryTenant => MeshAdmin ? (string.IsNullOrEmpty(ChosenTenant) ? null : ChosenTenant) : null;

    /// <summary>What the reports cover, as a heading says it.</summary>
    public string ReportScope => MeshAdmin && string.IsNullOrEmpty(ChosenTenant) ? "every tenant (mesh admin)" : $"tenant {Tenant}";

    /// <summary>May manage the tenant's alert rules and see all its budgets.</summary>
    public bool ManagesTenant => MeshAdmin || TenantAdmin;

    public ClaimsPrincipal ToPrincipal()
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, PrincipalId),
            new(ClaimTypes.Name, PrincipalId),
            new(CredentialClaim, Credential),
            new(TenantClaim, HomeTenant),
            new(KindClaim, PrincipalKind),
            new(MeshAdminClaim, MeshAdmin ? "true" : "false"),
            new(TenantAdminClaim, TenantAdmin ? "true" : "false"),
        };
        if (!string.IsNullOrEmpty(ChosenTenant))
        {
            claims.Add(new Claim(ChosenTenantClaim, ChosenTenant));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, AuthenticationScheme));
    }

    /// <summary>The session of a signed-in user; null when <paramref name="user"/> is not signed in.</summary>
    public static ConsoleSession? From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true || user.FindFirstValue(CredentialClaim) is not { Length: > 0 } credential)
        {
            return null;
        }

        return new ConsoleSession(
            credential,
            user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "",
            user.FindFirstValue(KindClaim) ?? "",
            user.FindFirstValue(TenantClaim) ?? "",
            user.FindFirstValue(MeshAdminClaim) == "true",
            user.FindFirstValue(TenantAdminClaim) == "true",
            user.FindFirstValue(ChosenTenantClaim));
    }

    /// <summary>The signed-in session of a request the authorization policy already admitted.</summary>
    public static ConsoleSession Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return From(context.User) ?? throw new InvalidOperationException("the request is not signed in");
    }
}
