using Mesh.Telemetry.V1;

namespace Mesh.Cli.Usage;

/// <summary>Maps the names used on the command line (<c>--by tenant,resource</c>) to report dimensions.</summary>
public static class Dimensions
{
    private static readonly Dictionary<string, Dimension> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["tenant"] = Dimension.Tenant,
        ["principal"] = Dimension.Principal,
        ["agent"] = Dimension.Agent,
        ["run"] = Dimension.Run,
        ["service"] = Dimension.Service,
        ["kind"] = Dimension.Kind,
        ["resource"] = Dimension.Resource,
        ["device"] = Dimension.Device,
        ["status"] = Dimension.Status,
    };

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>Parses a comma-separated list; an unknown or repeated name is an error naming the valid ones.</summary>
    public static bool TryParse(string? text, out IReadOnlyList<Dimension> dimensions, out string? error)
    {
        var parsed = new List<Dimension>();
        dimensions = parsed;
        error = null;
        var parts = (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var part in parts)
        {
            if (!ByName.TryGetValue(part, out var dimension))
            {
                error = $"'{part}' is not a dimension; use one or more of {string.Join(", ", Names)}";
                return false;
            }

            if (parsed.Contains(dimension))
            {
                error = $"'{part}' is given twice in --by";
                return false;
            }

            parsed.Add(dimension);
        }

        return true;
    }

    /// <summary>The column header for a dimension.</summary>
    public static string Header(Dimension dimension) => dimension switch
    {
        Dimension.Tenant => "Tenant",
        Dimension.Principal => "Principal",
        Dimension.Agent => "Agent",
        Dimension.Run => "Run",
        Dimension.Service => "Service",
        Dimension.Kind => "Kind",
        Dimension.Resource => "Resource",
        Dimension.Device => "Device",
        Dimension.Status => "Status",
        _ => dimension.ToString(),
    };
}
