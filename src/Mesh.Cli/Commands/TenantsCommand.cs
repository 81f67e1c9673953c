using System.CommandLine;
using Mesh.Identity.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh tenants create|list</c>.</summary>
public static class TenantsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("tenants", "Create and list tenants (creating needs a mesh admin key)");

        var id = new Argument<string>("id") { Description = "Tenant id: lowercase letters, digits and '-'" };
        var admin = new Option<string?>("--admin") { Description = "Create this user as the tenant's first admin", HelpName = "user" };
        var name = new Option<string?>("--name") { Description = "Display name" };
        var create = new Command("create", "Create a tenant") { id, admin, name };
        runner.SetAction(create, async (context, cancellationToken) =>
        {
            var tenant = await context.Clients.Identity.CreateTenantAsync(new CreateTenantRequest
            {
                Id = context.Parse.GetValue(id) ?? "",
                AdminUser = context.Parse.GetValue(admin) ?? "",
                DisplayName = context.Parse.GetValue(name) ?? "",
            }, context.Clients.Options(cancellationToken));
            var adminText = context.Parse.GetValue(admin) is { } user ? $" with admin user {user}" : "";
            return IdentityTables.Done(context, tenant, $"created tenant {tenant.Id}{adminText}");
        });

        var list = new Command("list", "List tenants");
        runner.SetAction(list, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Identity.ListTenantsAsync(new ListTenantsRequest(), context.Clients.Options(cancellationToken));
            return IdentityTables.Print(context, response, ["Tenant", "Name", "Created"],
                response.Tenants.Select(t => new[] { t.Id, t.DisplayName, IdentityTables.When(t.CreatedAt) }));
        });

        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        return command;
    }
}
