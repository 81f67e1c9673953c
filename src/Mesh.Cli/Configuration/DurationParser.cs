using System.Globalization;

namespace Mesh.Cli.Configuration;

/// <summary>Parses short durations such as <c>90s</c>, <c>30m</c>, <c>1h</c>, <c>7d</c>, <c>2w</c>.</summary>
public static class DurationParser
{
    public const string Hint = "use a number and a unit: s, m, h, d or w (e.g. 30m, 24h, 7d)";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var unit = char.ToLowerInvariant(trimmed[^1]);
        if (!double.TryParse(trimmed[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || amount <= 0)
        {
            return false;
        }

        double? seconds = unit switch
        {
            's' => amount,
            'm' => amount * 60,
            'h' => amount * 3600,
            'd' => amount * 86_400,
            'w' => amount * 604_800,
            _ => null,
        };
        if (seconds is null || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds.Value);
        return true;
    }

    public static TimeSpan Parse(string? text) => TryParse(text, out var duration)
        ? duration
        : throw new CliUsageException($"'{text}' is not a duration; {Hint}");
}
