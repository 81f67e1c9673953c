using System.Text.RegularExpressions;
using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Analytics.Metrics;

/// <summary>The dimensions metrics group and filter by, and the SQL each stands for.</summary>
public static partial class MetricDimensions
{
    public const string AttributePrefix = "attr.";

    private static readonly Dictionary<string, string> Columns = new(StringComparer.Ordinal)
    {
        ["tenant"] = "tenant_id",
        ["principal"] = "principal_id",
        ["agent"] = "agent_id",
        ["run"] = "run_id",
        ["step"] = "step_id",
        ["service"] = "service",
        ["kind"] = "kind",
        ["resource"] = "resource",
        ["resource_version"] = "resource_version",
        ["device"] = "device",
        ["status"] = "status",
        ["price_version"] = "price_version",
    };

    /// <summary>Dimensions the hourly roll-up keeps (the others are read from the events).</summary>
    private static readonly HashSet<string> InRollup = new(StringComparer.Ordinal) { "tenant", "service", "kind", "resource", "resource_version", "device", "status" };

    public static IEnumerable<string> Names => Columns.Keys.Append(AttributePrefix + "<key>");

    /// <summary>The canonical name of a dimension, or null when it is not one.</summary>
    public static string? Normalize(string? name)
    {
        var text = (name ?? "").Trim();
        if (text.StartsWith(AttributePrefix, StringComparison.OrdinalIgnoreCase))
        {
            var key = text[AttributePrefix.Length..];
            return AttributeKey().IsMatch(key) ? AttributePrefix + key : null;
        }

        var lower = text.ToLowerInvariant();
        return Columns.ContainsKey(lower) ? lower : null;
    }

    /// <summary>The SQL of a normalized dimension over <c>usage_events</c> (and the roll-up, which uses the same column names).</summary>
    public static string Sql(string dimension, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return dimension.StartsWith(AttributePrefix, StringComparison.Ordinal)
            ? dialect.Attribute(dimension[AttributePrefix.Length..])
            : Columns[dimension];
    }

    public static bool IsInRollup(string dimension) => InRollup.Contains(dimension);

    /// <summary>Attribute keys are plain: letters, digits, dot, dash, underscore (they are written into SQL).</summary>
    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,63}$")]
    private static partial Regex AttributeKey();
}
