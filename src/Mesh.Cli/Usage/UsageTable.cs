using Mesh.Cli.Output;
using Mesh.Telemetry.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Usage;

/// <summary>Renders a usage report as a table: one column per dimension, measures right-aligned, a total footer.</summary>
public static class UsageTable
{
    /// <param name="label">Rewrites a key for display (e.g. a run id to a short label); null shows keys as they are.</param>
    public static Table Build(UsageReport report, Func<Dimension, string, string>? label = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table().Border(TableBorder.Rounded).ShowFooters();
        var dimensions = report.GroupBy;
        for (var i = 0; i < dimensions.Count; i++)
        {
            var footer = i == 0 ? new Markup("[bold]Total[/]") : (IRenderable)Text.Empty;
            table.AddColumn(new TableColumn(Dimensions.Header(dimensions[i])).Footer(footer));
        }

        var total = report.Total ?? new UsageRow();
        if (dimensions.Count == 0)
        {
            table.AddColumn(new TableColumn(string.Empty).Footer(new Markup("[bold]Total[/]")));
        }

        AddMeasureColumn(table, "Events", Formatting.Count(total.Events));
        AddMeasureColumn(table, "Errors", Formatting.Count(total.Errors));
        AddMeasureColumn(table, "Input tokens", Formatting.Count(total.InputTokens));
        AddMeasureColumn(table, "Output tokens", Formatting.Count(total.OutputTokens));
        AddMeasureColumn(table, "Compute ms", Formatting.Milliseconds(total.ComputeMs));
        AddMeasureColumn(table, "Cost (USD)", Formatting.Cost(total.CostUsd));

        foreach (var row in report.Rows)
        {
            var cells = new List<IRenderable>();
            for (var i = 0; i < dimensions.Count; i++)
            {
                var key = i < row.Keys.Count ? row.Keys[i] : string.Empty;
                cells.Add(KeyCell(label is null ? key : label(dimensions[i], key)));
            }

            if (dimensions.Count == 0)
            {
                cells.Add(Text.Empty);
            }

            cells.Add(new Text(Formatting.Count(row.Events)));
            cells.Add(row.Errors > 0 ? new Text(Formatting.Count(row.Errors), new Style(Color.Red)) : new Text("0"));
            cells.Add(new Text(Formatting.Count(row.InputTokens)));
            cells.Add(new Text(Formatting.Count(row.OutputTokens)));
            cells.Add(new Text(Formatting.Milliseconds(row.ComputeMs)));
            cells.Add(new Text(Formatting.Cost(row.CostUsd)));
            table.AddRow(cells);
        }

        return table;
    }

    /// <summary>The report's window, for a caption under the table.</summary>
    public static string Window(UsageReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.From is null || report.To is null)
        {
            return string.Empty;
        }

        var format = "yyyy-MM-dd HH:mm:ss";
        return $"{report.From.ToDateTime().ToString(format, System.Globalization.CultureInfo.InvariantCulture)}"
            + $" → {report.To.ToDateTime().ToString(format, System.Globalization.CultureInfo.InvariantCulture)} UTC";
    }

    private static void AddMeasureColumn(Table table, string header, string footer) =>
        table.AddColumn(new TableColumn(header).RightAligned().Footer(new Markup($"[bold]{Markup.Escape(footer)}[/]")));

    private static Text KeyCell(string key) => string.IsNullOrEmpty(key)
        ? new Text("(none)", new Style(Color.Grey))
        : new Text(key);
}
