using System.Globalization;

namespace Mesh.Bench;

/// <summary>Prints figures as <c>name: value</c> lines, the format every benchmark shares.</summary>
public sealed class BenchReport(TextWriter output)
{
    public void Figure(string name, double value, string format = "0.###") =>
        output.WriteLine($"{name}: {value.ToString(format, CultureInfo.InvariantCulture)}");

    public void Note(string text) => output.WriteLine($"# {text}");

    /// <summary>The median of samples in any order.</summary>
    public static double Median(IEnumerable<double> samples) => Percentile([.. samples.Order()], 50);

    /// <summary>Values in the order measured, for a note: <c>1.2, 3.4</c>.</summary>
    public static string Join(IEnumerable<double> values, string format) =>
        string.Join(", ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));

    /// <summary>The value below which <paramref name="percentile"/> percent of the samples lie.</summary>
    public static double Percentile(IReadOnlyList<double> sortedSamples, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sortedSamples);
        if (sortedSamples.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sortedSamples.Count) - 1;
        return sortedSamples[Math.Clamp(rank, 0, sortedSamples.Count - 1)];
    }
}
