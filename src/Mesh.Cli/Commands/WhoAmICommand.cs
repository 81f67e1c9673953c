using System.CommandLine;
using Mesh.Identity.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh whoami</c>: who the mesh takes the caller to be.</summary>
public static class WhoAmICommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("whoami", "Show the principal and tenant the API key stands for");
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var principal = await context.Clients.Identity.WhoAmIAsync(
                new WhoAmIRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(principal);
                return ExitCodes.Success;
            }

            var grid = new Grid().AddColumn(new GridColumn().PadRight(2)).AddColumn();
            grid.AddRow(new Markup("[grey]Principal[/]"), new Text(principal.Id));
            grid.AddRow(new Markup("[grey]Name[/]"), new Text(principal.DisplayName));
            grid.AddRow(new Markup("[grey]Kind[/]"), new Text(principal.Kind));
            grid.AddRow(new Markup("[grey]Tenant[/]"), new Text(principal.TenantId));
            grid.AddRow(new Markup("[grey]Admin[/]"), new Markup(principal.Admin ? "[yellow]yes[/]" : "no"));
            context.Output.Console.Write(grid);
            return ExitCodes.Success;
        });
        return command;
    }
}
