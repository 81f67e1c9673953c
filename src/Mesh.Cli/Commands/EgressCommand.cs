using System.CommandLine;
using Mesh.Tools.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh egress allow|list</c>: the hosts the tenant's http tool and HTTP MCP servers may reach.</summary>
public static class EgressCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("egress", "The hosts the tenant's outbound HTTP (http tool, HTTP MCP servers) may reach");
        var hosts = new Argument<string[]>("hosts")
        {
            Description = "example.com, *.example.com, api.example.com:8443, 10.0.0.5 (private addresses only when listed); none: an empty list",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var allow = new Command("allow", "Replace the allow-list (tenant admins)") { hosts };
        runner.SetAction(allow, async (context, cancellationToken) =>
        {
            var list = await context.Clients.Tools.SetHttpAllowListAsync(new HttpAllowList { Hosts = { context.Parse.GetValue(hosts) ?? [] } },
                context.Clients.Options(cancellationToken));
            return Print(context, list);
        });

        var show = new Command("list", "Show the allow-list");
        runner.SetAction(show, async (context, cancellationToken) =>
            Print(context, await context.Clients.Tools.GetHttpAllowListAsync(new GetHttpAllowListRequest(), context.Clients.Options(cancellationToken))));

        command.Subcommands.Add(allow);
        command.Subcommands.Add(show);
        return command;
    }

    private static int Print(CommandContext context, HttpAllowList list) =>
        IdentityTables.Print(context, list, ["Allowed host"], list.Hosts.Count > 0 ? list.Hosts.Select(h => new[] { h }) : [["(none: no outbound HTTP)"]]);
}
