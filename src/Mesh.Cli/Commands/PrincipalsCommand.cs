using System.CommandLine;
using Mesh.Identity.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh principals create|list</c>: users, agents and services of the tenant.</summary>
public static class PrincipalsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("principals", "Create and list the users, agents and services of your tenant (tenant admins)");

        var id = new Argument<string>("id") { Description = "Principal id, unique in the tenant" };
        var kind = new Option<string>("--kind") { Description = "user, agent or service", DefaultValueFactory = _ => "user" };
        kind.AcceptOnlyFromAmong("user", "agent", "service");
        var tenantAdmin = new Option<bool>("--tenant-admin") { Description = "Make the user an admin of the tenant" };
        var create = new Command("create", "Create a principal") { id, kind, tenantAdmin };
        runner.SetAction(create, async (context, cancellationToken) =>
        {
            var principal = await context.Clients.Identity.CreatePrincipalAsync(new CreatePrincipalRequest
            {
                Id = context.Parse.GetValue(id) ?? "",
                Kind = context.Parse.GetValue(kind) ?? "user",
                TenantAdmin = context.Parse.GetValue(tenantAdmin),
            }, context.Clients.Options(cancellationToken));
            return IdentityTables.Done(context, principal, $"created {principal.Kind} {principal.Id} in tenant {principal.TenantId}");
        });

        var filter = new Option<string?>("--kind") { Description = "Only this kind: user, agent or service" };
        var list = new Command("list", "List principals") { filter };
        runner.SetAction(list, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Identity.ListPrincipalsAsync(new ListPrincipalsRequest { Kind = context.Parse.GetValue(filter) ?? "" },
                context.Clients.Options(cancellationToken));
            return IdentityTables.Print(context, response, ["Principal", "Kind", "Created"],
                response.Principals.Select(p => new[] { p.Id, p.Kind, IdentityTables.When(p.CreatedAt) }));
        });

        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        return command;
    }
}
