using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Mesh.Cli.Commands;
using Mesh.Cli.Configuration;

namespace Mesh.Cli;

/// <summary>The <c>mesh</c> command tree.</summary>
public static class MeshCli
{
    public static RootCommand Build(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var root = new RootCommand(
            "mesh: run agents, call models and tools, and see what it all costs on a Mesh deployment.");
        runner.Globals.AddTo(root);
        root.SetAction(parse => new HelpAction().Invoke(parse));
        root.Subcommands.Add(DemoCommand.Create(runner));
        root.Subcommands.Add(RunCommand.Create(runner));
        root.Subcommands.Add(CostCommand.Create(runner));
        root.Subcommands.Add(PricesCommand.Create(runner));
        root.Subcommands.Add(SqlCommand.Create(runner));
        root.Subcommands.Add(AlertsCommand.Create(runner));
        root.Subcommands.Add(Vrio.VrioCommand.Create(runner));
        root.Subcommands.Add(AgentsCommand.Create(runner));
        root.Subcommands.Add(WorkflowsCommand.Create(runner));
        root.Subcommands.Add(RunsCommand.Create(runner));
        root.Subcommands.Add(ModelsCommand.Create(runner));
        root.Subcommands.Add(DevicesCommand.Create(runner));
        root.Subcommands.Add(EmbedCommand.Create(runner));
        root.Subcommands.Add(GenerateCommand.Create(runner));
        root.Subcommands.Add(ToolsCommand.Create(runner));
        root.Subcommands.Add(ToolCommand.Create(runner));
        root.Subcommands.Add(McpCommand.Create(runner));
        root.Subcommands.Add(KnowledgeCommand.Create(runner));
        root.Subcommands.Add(EgressCommand.Create(runner));
        root.Subcommands.Add(WhoAmICommand.Create(runner));
        root.Subcommands.Add(TenantsCommand.Create(runner));
        root.Subcommands.Add(PrincipalsCommand.Create(runner));
        root.Subcommands.Add(KeysCommand.Create(runner));
        root.Subcommands.Add(TokenCommand.Create(runner));
        root.Subcommands.Add(RelationsCommand.Create(runner));
        root.Subcommands.Add(BudgetsCommand.Create(runner));
        return root;
    }

    /// <summary>Parses and runs; parse errors exit with 2, like every other usage error.</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var parse = Build(new CommandRunner(new GlobalOptions(), environment)).Parse(args);
        var invocation = new InvocationConfiguration { Output = environment.Out, Error = environment.Error };
        if (parse.Action is not ParseErrorAction parseError)
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }

        parseError.ShowHelp = false;
        await parse.InvokeAsync(invocation, cancellationToken);
        var command = parse.CommandResult.Command;
        var path = command is RootCommand ? "mesh" : $"mesh {command.Name}";
        await environment.Error.WriteLineAsync($"Run '{path} --help' for usage.");
        return ExitCodes.Usage;
    }
}
