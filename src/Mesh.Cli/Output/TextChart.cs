using System.Globalization;

namespace Mesh.Cli.Output;

/// <summary>A small horizontal bar chart of a series, for terminals.</summary>
public static class TextChart
{
    private static readonly string[] Eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

    /// <summary>One line per point: its label, a bar proportional to its value, and the value.</summary>
    public static IReadOnlyList<string> Bars(IReadOnlyList<(string Label, double Value)> points, int width = 40, string format = "0.000000")
    {
        ArgumentNullException.ThrowIfNull(points);
        var max = points.Count == 0 ? 0 : points.Max(p => p.Value);
        var labelWidth = points.Count == 0 ? 0 : points.Max(p => p.Label.Length);
        return [.. points.Select(p =>
        {
            var eighths = max <= 0 || double.IsNaN(p.Value) ? 0 : (int)Math.Round(p.Value / max * width * 8);
            var bar = new string('█', eighths / 8) + Eighths[eighths % 8];
            return $"{p.Label.PadRight(labelWidth)} │{bar.PadRight(width + 1)} {p.Value.ToString(format, CultureInfo.InvariantCulture)}";
        })];
    }
}
