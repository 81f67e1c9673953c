using System.CommandLine;
using Mesh.Cli.Output;
using Mesh.Inference.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh models</c>: the models inference can serve.</summary>
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
        return command;
    }
}
