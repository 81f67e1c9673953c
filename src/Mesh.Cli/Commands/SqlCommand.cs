using System.CommandLine;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh sql "SELECT ..."</c>: a read-only query over your tenant's usage_events, runs, prices, vrio_capabilities and vrio_indicators.</summary>
public static class SqlCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var query = new Argument<string>("query") { Description = "One SELECT over usage_events, runs, prices, vrio_capabilities and vrio_indicators (your tenant's rows)" };
        var maxRows = new Option<int>("--max-rows") { Description = "Most rows to return (1 to 10000)", DefaultValueFactory = _ => 1000 };
        var command = new Command("sql", "Run a read-only SQL query over your tenant's usage") { query, maxRows };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var result = await context.Output.WithStatusAsync("Querying…", async _ =>
                await context.Clients.Analytics.QuerySqlAsync(
                    new SqlQuery { Sql = context.Parse.GetValue(query) ?? "", MaxRows = context.Parse.GetValue(maxRows) },
                    context.Clients.Options(cancellationToken)));
            if (context.Output.Json)
            {
                context.Output.WriteJson(result);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in result.Columns)
            {
                table.AddColumn(new TableColumn($"{Markup.Escape(column.Name)}\n[grey]{Markup.Escape(column.Type)}[/]"));
            }

            foreach (var row in result.Rows)
            {
                table.AddRow([.. row.Values.Select((v, i) => i < row.Nulls.Count && row.Nulls[i] ? "[grey]NULL[/]" : Markup.Escape(v))]);
            }

            var rows = result.Rows.Count == 1 ? "1 row" : $"{result.Rows.Count} rows";
            table.Caption($"[grey]{rows}{(result.Truncated ? " (more matched: raise --max-rows)" : "")}, {result.Engine}[/]");
            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
