using System.Globalization;

namespace Mesh.Cli.Output;

/// <summary>Number and text formats shared by the tables.</summary>
public static class Formatting
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Count(long value) => value.ToString("N0", Invariant);

    public static string Milliseconds(double value) => value switch
    {
        < 10 => value.ToString("0.0", Invariant),
        _ => value.ToString("N0", Invariant),
    };

    /// <summary>A duration for people: 850 ms, 12.3 s, 2m 05s.</summary>
    public static string Duration(double milliseconds) => milliseconds switch
    {
        < 1_000 => $"{Milliseconds(milliseconds)} ms",
        < 60_000 => (milliseconds / 1_000).ToString("0.0", Invariant) + " s",
        _ => $"{(int)(milliseconds / 60_000)}m {(int)(milliseconds % 60_000 / 1_000):00}s",
    };

    /// <summary>A cost as an exact decimal with 9 fractional digits; text that is no number is shown unchanged.</summary>
    public static string Cost(string? value) =>
        TryParseCost(value, out var cost) ? Cost(cost) : value ?? string.Empty;

    public static string Cost(decimal value) => value.ToString("0.000000000", Invariant);

    public static bool TryParseCost(string? value, out decimal cost)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            cost = 0;
            return true;
        }

        return decimal.TryParse(value, NumberStyles.Number, Invariant, out cost);
    }

    public static string Score(double value) => value.ToString("0.000", Invariant);

    /// <summary>Shortens text to one line of at most <paramref name="width"/> characters.</summary>
    public static string OneLine(string? text, int width)
    {
        var line = (text ?? string.Empty).ReplaceLineEndings(" ").Trim();
        return line.Length <= width ? line : string.Concat(line.AsSpan(0, Math.Max(0, width - 1)), "…");
    }

    /// <summary>
    /// The last <paramref name="length"/> characters of an id, for tables: run ids are
    /// time-ordered UUIDs whose leading characters are the same for runs made close together.
    /// </summary>
    public static string ShortId(string id, int length = 8) =>
        id.Length <= length ? id : id[^length..];
}
