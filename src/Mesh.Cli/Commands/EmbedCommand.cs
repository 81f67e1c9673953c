using System.CommandLine;
using System.Globalization;
using Mesh.Cli.Configuration;
using Mesh.Inference.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh embed "text"</c>: embeds a text and shows the first dimensions.</summary>
public static class EmbedCommand
{
    public const string DefaultModel = "all-MiniLM-L6-v2";

    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var text = new Argument<string>("text") { Description = "The text to embed" };
        var model = new Option<string>("--model", "-m") { Description = "The embedding model", HelpName = "model", DefaultValueFactory = _ => DefaultModel };
        var show = new Option<int>("--show") { Description = "How many dimensions to print", HelpName = "count", DefaultValueFactory = _ => 8 };
        var command = new Command("embed", "Embed a text and show the model, device, tokens and first dimensions") { text, model, show };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var input = context.Parse.GetValue(text);
            if (string.IsNullOrWhiteSpace(input))
            {
                throw new CliUsageException("the text is empty; e.g. mesh embed \"hello mesh\"");
            }

            var request = new EmbedRequest { Model = context.Parse.GetValue(model) ?? DefaultModel, Inputs = { input } };
            var response = await context.Output.WithStatusAsync("Embedding…", async _ =>
                await context.Clients.Inference.EmbedAsync(request, context.Clients.Options(cancellationToken)));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var embedding = response.Embeddings.Count > 0 ? response.Embeddings[0] : new Embedding();
            var grid = new Grid().AddColumn(new GridColumn().PadRight(2)).AddColumn();
            grid.AddRow(new Markup("[grey]Model[/]"), new Text($"{response.Model} {response.ModelVersion}".Trim()));
            grid.AddRow(new Markup("[grey]Device[/]"), new Text(response.Device));
            grid.AddRow(new Markup("[grey]Tokens[/]"), new Text(response.InputTokens.ToString(CultureInfo.InvariantCulture)));
            grid.AddRow(new Markup("[grey]Dimensions[/]"), new Text(embedding.Values.Count.ToString(CultureInfo.InvariantCulture)));
            grid.AddRow(new Markup("[grey]Vector[/]"), new Text(Preview(embedding.Values, Math.Max(0, context.Parse.GetValue(show)))));
            context.Output.Console.Write(grid);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The first <paramref name="count"/> values, e.g. <c>[0.0123, -0.0456, …]</c>.</summary>
    public static string Preview(IReadOnlyList<float> values, int count)
    {
        ArgumentNullException.ThrowIfNull(values);
        var shown = values.Take(count).Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture));
        var more = values.Count > count ? ", …" : string.Empty;
        return $"[{string.Join(", ", shown)}{more}]";
    }
}
