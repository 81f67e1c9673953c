using System.Globalization;
using Mesh.Console.Reports;
using Mesh.Telemetry.V1;

namespace Mesh.Console.Cost;

/// <summary>A breakdown table from <c>GetUsage</c>, sortable by any column, the same rows the CSV download holds.</summary>
public sealed class Breakdown
{
    public static IReadOnlyList<(string Name, string Label, bool Numeric)> Measures { get; } =
    [
        ("events", "events", true),
        ("input", "input tokens", true),
        ("output", "output tokens", true),
        ("cached", "cached tokens", true),
        ("compute", "device ms", true),
        ("errors", "errors", true),
        ("cost", "cost (USD)", true),
    ];

    public Breakdown(UsageReport report, IReadOnlyList<string> dimensions, string? sort, string? direction)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dimensions);
        Dimensions = dimensions;
        Total = report.Total;
        Sort = Columns.Contains(sort ?? "") ? sort! : "cost";
        Descending = direction != "asc";
        var rows = report.Rows.ToList();
        var keyIndex = Dimensions.ToList().IndexOf(Sort);
        IOrderedEnumerable<UsageRow> ordered = keyIndex >= 0
            ? Order(rows, r => r.Keys.Count > keyIndex ? r.Keys[keyIndex] : "", StringComparer.Ordinal)
            : Order(rows, r => Number(r, Sort), Comparer<decimal>.Default);
        Rows = [.. ordered.ThenBy(r => string.Join('\u001f', r.Keys), StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Dimensions { get; }

    public IReadOnlyList<UsageRow> Rows { get; }

    public UsageRow Total { get; }

    public string Sort { get; }

    public bool Descending { get; }

    public IEnumerable<string> Columns => Dimensions.Concat(Measures.Select(m => m.Name));

    /// <summary>The text of a measure in a row, as the table and the CSV show it.</summary>
    public static string Text(UsageRow row, string measure)
    {
        ArgumentNullException.ThrowIfNull(row);
        return measure switch
        {
            "cost" => row.CostUsd,
            "compute" => row.ComputeMs.ToString("0.###", CultureInfo.InvariantCulture),
            _ => Number(row, measure).ToString(CultureInfo.InvariantCulture),
        };
    }

    public static string Key(UsageRow row, int index)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Keys.Count > index ? row.Keys[index] : "";
    }

    /// <summary>The table as CSV (RFC 4180), a header and one line per row, total last.</summary>
    public string ToCsv()
    {
        var csv = new CsvText();
        csv.Line(Dimensions.Concat(Measures.Select(m => m.Name == "cost" ? "cost_usd" : m.Label.Replace(' ', '_'))));
        foreach (var row in Rows)
        {
            csv.Line(Dimensions.Select((_, i) => Key(row, i)).Concat(Measures.Select(m => Text(row, m.Name))));
        }

        csv.Line(Dimensions.Select((_, i) => i == 0 ? "(total)" : "").Concat(Measures.Select(m => Text(Total ?? new UsageRow(), m.Name))));
        return csv.ToString();
    }

    private IOrderedEnumerable<UsageRow> Order<T>(List<UsageRow> rows, Func<UsageRow, T> key, IComparer<T> comparer) =>
        Descending ? rows.OrderByDescending(key, comparer) : rows.OrderBy(key, comparer);

    private static decimal Number(UsageRow row, string measure) => measure switch
    {
        "events" => row.Events,
        "input" => row.InputTokens,
        "output" => row.OutputTokens,
        "cached" => row.CachedTokens,
        "compute" => (decimal)row.ComputeMs,
        "errors" => row.Errors,
        _ => Money.Parse(row.CostUsd),
    };
}
