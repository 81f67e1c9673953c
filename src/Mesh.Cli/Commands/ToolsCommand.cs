using System.CommandLine;
using Mesh.Tools.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh tools</c>: the tools in the registry.</summary>
public static class ToolsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("tools", "List the tools in the registry");
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Tools.ListToolsAsync(
                new ListToolsRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Tool", "Version", "Source", "Side effect");
            table.AddColumn(new TableColumn("Timeout").RightAligned());
            table.AddColumn(new TableColumn("$/call").RightAligned());
            table.AddColumn(new TableColumn("$/CPU-s").RightAligned());
            table.AddColumn("Description");
            foreach (var tool in response.Tools)
            {
                table.AddRow(new IRenderable[]
                {
                    new Text(tool.Name, new Style(decoration: Decoration.Bold)),
                    new Text(tool.Version),
                    new Text(tool.Source.Length > 0 ? $"{tool.Source} ({tool.Runtime})" : "-"),
                    new Text(SideEffectName(tool.SideEffect)),
                    new Text(tool.TimeoutMs > 0 ? Output.Formatting.Duration(tool.TimeoutMs) : "-"),
                    new Text(tool.Price?.PerCallUsd ?? "?"),
                    new Text(tool.Price?.PerCpuSecondUsd ?? "?"),
                    new Text(tool.Description.Length > 80 ? tool.Description[..77] + "..." : tool.Description),
                });
            }

            context.Output.Console.Write(table);
            context.Output.Console.MarkupLine("[grey]Invoke one with: mesh tool <name> '<json arguments>'[/]");
            return ExitCodes.Success;
        });
        return command;
    }

    public static string SideEffectName(SideEffect sideEffect) => sideEffect switch
    {
        SideEffect.None => "none",
        SideEffect.Read => "read",
        SideEffect.Write => "write",
        _ => "unknown",
    };
}
