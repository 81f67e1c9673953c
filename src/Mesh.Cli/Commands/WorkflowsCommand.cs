using System.CommandLine;
using Mesh.Agents.V1;
using Mesh.Cli.Configuration;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh workflows create|list|show</c>: workflow definitions, versioned per tenant.</summary>
public static class WorkflowsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("workflows", "Register, list and show workflow definitions (JSON or YAML)");
        command.Subcommands.Add(CreateCommand(runner));
        command.Subcommands.Add(ListCommand(runner));
        command.Subcommands.Add(ShowCommand(runner));
        return command;
    }

    private static Command CreateCommand(CommandRunner runner)
    {
        var file = new Argument<string>("file") { Description = "The definition: a .yaml/.yml or .json file, or - for standard input" };
        var command = new Command("create", "Register a new version of a workflow (every problem is reported with its path)") { file };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var path = context.Parse.GetValue(file) ?? "";
            string text;
            try
            {
                text = path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliUsageException($"cannot read {path}: {e.Message}");
            }

            var format = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "json" : path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ? "yaml" : "";
            var workflow = await context.Clients.Agents.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = text, Format = format }, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(workflow);
            }
            else
            {
                context.Output.Console.MarkupLine($"[green]✓[/] {Markup.Escape(workflow.Name)} [bold]version {workflow.Version}[/] [grey]· {workflow.Steps} steps · tools {Markup.Escape(List(workflow.Tools))} · models {Markup.Escape(List(workflow.Models))}[/]");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ListCommand(CommandRunner runner)
    {
        var command = new Command("list", "The latest version of each workflow (built-in ones too)");
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Agents.ListWorkflowsAsync(new ListWorkflowsRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Workflow", "Version", "Steps", "Tools", "Models", "Description");
            foreach (var w in response.Workflows)
            {
                table.AddRow(new IRenderable[]
                {
                    new Text(w.Name, new Style(decoration: Decoration.Bold)),
                    new Text(w.BuiltIn ? $"{w.Version} (built in)" : $"{w.Version}"),
                    new Text($"{w.Steps}"),
                    new Text(List(w.Tools)),
                    new Text(List(w.Models)),
                    new Text(w.Description),
                });
            }

            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ShowCommand(CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "The workflow" };
        var version = new Option<int>("--version") { Description = "A version (default: the latest)", HelpName = "n" };
        var command = new Command("show", "A workflow's definition and what it uses") { name, version };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var workflow = await context.Clients.Agents.GetWorkflowAsync(new GetWorkflowRequest { Name = context.Parse.GetValue(name) ?? "", Version = context.Parse.GetValue(version) }, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(workflow);
                return ExitCodes.Success;
            }

            var console = context.Output.Console;
            console.MarkupLine($"[bold]{Markup.Escape(workflow.Name)}[/] version {workflow.Version} of {workflow.LatestVersion} [grey]· by {Markup.Escape(workflow.CreatedBy)} · {Markup.Escape(workflow.Digest)}[/]");
            console.MarkupLine($"[grey]{Markup.Escape(workflow.Description)}[/]");
            console.MarkupLine($"tools: {Markup.Escape(List(workflow.Tools))} · models: {Markup.Escape(List(workflow.Models))}");
            using var document = System.Text.Json.JsonDocument.Parse(workflow.DefinitionJson);
            console.WriteLine(System.Text.Json.JsonSerializer.Serialize(document.RootElement, Indented));
            return ExitCodes.Success;
        });
        return command;
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string List(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "-";
}
