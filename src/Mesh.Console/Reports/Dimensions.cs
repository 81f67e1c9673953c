using Mesh.Telemetry.V1;

namespace Mesh.Console.Reports;

/// <summary>The dimensions cost can be grouped by, as the pages name them and as telemetry's two reports take them.</summary>
public static class Dimensions
{
    public static IReadOnlyList<(string Name, string Label, Dimension Usage)> All { get; } =
    [
        ("resource", "model or tool", Dimension.Resource),
        ("kind", "kind of work", Dimension.Kind),
        ("service", "service", Dimension.Service),
        ("principal", "principal", Dimension.Principal),
        ("agent", "agent", Dimension.Agent),
        ("run", "run", Dimension.Run),
        ("device", "device", Dimension.Device),
        ("status", "status", Dimension.Status),
        ("tenant", "tenant", Dimension.Tenant),
    ];

    public static bool IsKnown(string? name) => All.Any(d => d.Name == name);

    public static Dimension Usage(string name) => All.First(d => d.Name == name).Usage;

    public static string Label(string name) => All.FirstOrDefault(d => d.Name == name).Label ?? name;
}
