using Grpc.Core;
using Mesh.Telemetry.V1;

namespace Mesh.Console.Vrio;

/// <summary>
/// The VRIO report from telemetry's <c>mesh.telemetry.v1.Vrio/GetReport</c>, called with the
/// signed-in credential (so the report is that tenant's), over the default window. A telemetry
/// that does not serve VRIO answers Unimplemented: the page then says so.
/// </summary>
public sealed class GrpcVrioReports(Telemetry.V1.Vrio.VrioClient vrio) : IVrioReports
{
    public async Task<VrioReport?> GetAsync(CancellationToken cancellationToken)
    {
        Telemetry.V1.VrioReport report;
        try
        {
            report = await vrio.GetReportAsync(new VrioReportRequest(), cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return null;
        }

        return new VrioReport([.. report.Capabilities.Select(Capability)]);
    }

    private static VrioCapability Capability(CapabilityAssessment assessment)
    {
        var reference = assessment.Capability?.Ref;
        var name = reference is null ? "?" : $"{reference.Kind}:{reference.Name}{(reference.Version.Length > 0 ? "@" + reference.Version : "")}";
        Indicator[] indicators = [assessment.Value, assessment.Rarity, assessment.Imitability, assessment.Organization];
        var evidence = indicators
            .Where(i => i is not null)
            .Select(i => i.Sufficient ? $"{i.Name}: {(i.Met ? "met" : "not met")}: {i.Reason}" : $"{i.Name}: {i.Reason}")
            .Append(assessment.Action.Length > 0 ? $"action: {assessment.Action}" : "")
            .Where(line => line.Length > 0)
            .ToList();
        return new VrioCapability(name, Met(assessment.Value), Met(assessment.Rarity), Met(assessment.Imitability), Met(assessment.Organization),
            VerdictName(assessment.Verdict), evidence);
    }

    private static bool Met(Indicator? indicator) => indicator is { Sufficient: true, Met: true };

    private static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.NotEnoughEvidence => "not enough evidence",
        Verdict.CompetitiveDisadvantage => "competitive disadvantage",
        Verdict.CompetitiveParity => "competitive parity",
        Verdict.TemporaryAdvantage => "temporary advantage",
        Verdict.UnusedAdvantage => "unused advantage",
        Verdict.SustainedAdvantage => "sustained advantage",
        _ => "unknown",
    };
}
