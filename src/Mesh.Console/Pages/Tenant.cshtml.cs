using Mesh.Console.Sessions;
using Mesh.Identity.V1;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Console.Pages;

/// <summary>
/// Mesh admins choose the tenant the pages show (kept in the session, never taken from a URL).
/// Anyone else sees only the tenant of their own key: for them this page is a 403.
/// </summary>
public sealed class TenantModel(Identity.V1.Identity.IdentityClient identity) : ConsolePage
{
    /// <summary>The admin's own (system) tenant, where the bootstrap key's own work is recorded.</summary>
    public const string SystemTenant = "system";

    public IReadOnlyList<Tenant> Tenants { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (!Session.MeshAdmin)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        Tenants = await ListAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? tenant)
    {
        if (!Session.MeshAdmin)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        var tenants = await ListAsync();
        if (tenants.All(t => t.Id != tenant))
        {
            Tenants = tenants;
            Problem = $"There is no tenant '{tenant}'.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var chosen = Session with { ChosenTenant = tenant == SystemTenant ? null : tenant };
        await HttpContext.SignInAsync(ConsoleSession.AuthenticationScheme, chosen.ToPrincipal(), (await HttpContext.AuthenticateAsync(ConsoleSession.AuthenticationScheme)).Properties);
        return RedirectToPage("/Cost");
    }

    private async Task<IReadOnlyList<Tenant>> ListAsync()
    {
        // The list is read as the admin itself, not as the tenant chosen before.
        var response = await identity.ListTenantsAsync(new ListTenantsRequest(), new Grpc.Core.CallOptions(new Grpc.Core.Metadata { { "authorization", $"Bearer {Session.Credential}" } }));
        var tenants = response.Tenants.ToList();
        if (tenants.All(t => t.Id != SystemTenant))
        {
            tenants.Insert(0, new Tenant { Id = SystemTenant, DisplayName = "the mesh admin's own tenant; cost, latency and forecasts cover every tenant" });
        }

        return tenants;
    }
}
