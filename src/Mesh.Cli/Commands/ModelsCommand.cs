using System.CommandLine;
using Mesh.Cli.Output;
using Mesh.Inference.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh models [load|unload NAME]</c>: the models inference can serve; admins load and unload them.</summary>
public static class ModelsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("models", "List the models the inference service serves");
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Inference.ListModelsAsync(
                new ListModelsRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumns("Model", "Version", "Kind", "Device");
            table.AddColumn(new TableColumn("Dimensions").RightAligned());
            table.AddColumn(new TableColumn("Max tokens").RightAligned());
            foreach (var model in response.Models)
            {
                table.AddRow(new IRenderable[]
                {
                    new Text(model.Name, new Style(decoration: Decoration.Bold)),
                    new Text(model.Version),
                    new Text(model.Kind),
                    new Text(model.Device, new Style(model.Device.StartsWith("cuda", StringComparison.Ordinal) ? Color.Green : Color.Default)),
                    new Text(model.Dimensions > 0 ? Formatting.Count(model.Dimensions) : "-"),
                    new Text(model.MaxInputTokens > 0 ? Formatting.Count(model.MaxInputTokens) : "-"),
                });
            }

            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });

        // Load rescans the model repository first, so a folder added since the start (a hosted route) is found.
        var loadName = new Argument<string>("name") { Description = "The model's folder name in the repository" };
        var load = new Command("load", "Load a model (admins); the repository is rescanned first, so a new folder is found") { loadName };
        runner.SetAction(load, async (context, cancellationToken) => Done(context, await context.Clients.Inference.LoadModelAsync(
            new LoadModelRequest { Model = context.Parse.GetValue(loadName) }, context.Clients.Options(cancellationToken))));
        var unloadName = new Argument<string>("name") { Description = "The model's name" };
        var unload = new Command("unload", "Unload a model and free its memory (admins)") { unloadName };
        runner.SetAction(unload, async (context, cancellationToken) => Done(context, await context.Clients.Inference.UnloadModelAsync(
            new UnloadModelRequest { Model = context.Parse.GetValue(unloadName) }, context.Clients.Options(cancellationToken))));
        command.Subcommands.Add(load);
        command.Subcommands.Add(unload);
        return command;
    }

    private static int Done(CommandContext context, ModelInfo model)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(model);
        }
        else
        {
            var where = model.Device.Length > 0 ? $" on {model.Device}" : "";
            context.Output.Console.MarkupLineInterpolated($"{model.Name} {model.Version} · {model.Kind} · {model.State}{where}");
        }

        return ExitCodes.Success;
    }
}
