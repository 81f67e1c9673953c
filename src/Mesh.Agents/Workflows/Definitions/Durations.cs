using System.Globalization;
using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>Durations as definitions write them: <c>250ms</c>, <c>30s</c>, <c>10m</c>, <c>2h</c>, <c>7d</c>, or a number of seconds.</summary>
public static class Durations
{
    public static bool TryParse(JsonNode? node, out TimeSpan duration)
    {
        duration = default;
        if (node is JsonValue number && number.TryGetValue<double>(out var seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds / 2;
        }

        if (node is not JsonValue v || !v.TryGetValue<string>(out var text))
        {
            return false;
        }

        text = text.Trim();
        var unit = text.EndsWith("ms", StringComparison.Ordinal) ? "ms" : text.Length > 0 ? text[^1..] : "";
        var amount = text[..^unit.Length];
        if (!double.TryParse(amount, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 1e9)
        {
            return false;
        }

        double? ms = unit switch
        {
            "ms" => value,
            "s" => value * 1_000,
            "m" => value * 60_000,
            "h" => value * 3_600_000,
            "d" => value * 86_400_000,
            _ => null,
        };
        if (ms is null)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(ms.Value);
        return true;
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalDays >= 1 && duration.TotalDays == Math.Floor(duration.TotalDays) ? $"{duration.TotalDays:0}d"
        : duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours) ? $"{duration.TotalHours:0}h"
        : duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes) ? $"{duration.TotalMinutes:0}m"
        : duration.TotalSeconds >= 1 && duration.TotalSeconds == Math.Floor(duration.TotalSeconds) ? $"{duration.TotalSeconds:0}s"
        : $"{duration.TotalMilliseconds:0}ms";
}
