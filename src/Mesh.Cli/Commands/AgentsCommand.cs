using System.CommandLine;
using Mesh.Agents.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh agents</c>: the agents that can be run.</summary>
public static class AgentsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("agents", "List the agents 'mesh run --agent' can run");
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Agents.ListAgentsAsync(
                new ListAgentsRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Agent", "Description");
            foreach (var agent in response.Agents)
            {
                table.AddRow(new IRenderable[] { new Text(agent.Name, new Style(decoration: Decoration.Bold)), new Text(agent.Description) });
            }

            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
