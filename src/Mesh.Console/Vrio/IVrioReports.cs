namespace Mesh.Console.Vrio;

/// <summary>
/// Where the VRIO page reads its report: a matrix of capabilities by verdict (valuable, rare,
/// inimitable, organized), each with its evidence. The console registers <see cref="GrpcVrioReports"/>,
/// telemetry's VRIO API called with the signed-in credential.
/// </summary>
public interface IVrioReports
{
    /// <summary>The signed-in tenant's report, or null when this mesh serves none.</summary>
    Task<VrioReport?> GetAsync(CancellationToken cancellationToken);
}

/// <summary>A VRIO report as the page draws it.</summary>
public sealed record VrioReport(IReadOnlyList<VrioCapability> Capabilities);

/// <summary>One capability: its four answers, the verdict they add up to, and the evidence for each.</summary>
public sealed record VrioCapability(string Name, bool Valuable, bool Rare, bool Inimitable, bool Organized, string Verdict, IReadOnlyList<string> Evidence);
