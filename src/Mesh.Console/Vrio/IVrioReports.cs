namespace Mesh.Console.Vrio;

/// <summary>
/// Where the VRIO page reads its report: a matrix of capabilities by verdict (valuable, rare,
/// inimitable, organized), each with its evidence. The mesh's VRIO API is not served yet, so the
/// console registers <see cref="NoVrioReports"/>; the service's gRPC client replaces it (one
/// registration in <c>AddMeshConsole</c>) and the page then draws what it returns.
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

/// <summary>This mesh serves no VRIO report (yet).</summary>
public sealed class NoVrioReports : IVrioReports
{
    public Task<VrioReport?> GetAsync(CancellationToken cancellationToken) => Task.FromResult<VrioReport?>(null);
}
