using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Console.Reports;

/// <summary>
/// What a chart on a page draws, handed to the browser as JSON in the page (no inline script):
/// labels along x and one series per group, each value with the exact text it came from.
/// </summary>
public sealed record ChartData(string Kind, string YTitle, IReadOnlyList<string> Labels, IReadOnlyList<ChartSeries> Series)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public bool Stacked { get; init; }

    public string? XTitle { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>
/// One series: its values (null where there is none), the exact text of each value where it has
/// one (telemetry's decimal cost), and how the browser draws it (<c>line</c>, <c>bar</c>,
/// <c>band-upper</c>/<c>band-lower</c> for an interval, <c>dashed</c>).
/// </summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double?> Values)
{
    public IReadOnlyList<string>? Exact { get; init; }

    public string? Total { get; init; }

    public string? Style { get; init; }

    public int? Color { get; init; }
}
