using Google.Protobuf.WellKnownTypes;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Vrio;

/// <summary>The VRIO report of a tenant: this window and the one before it, judged by the two-window rule.</summary>
public sealed class VrioReporter(VrioFactsReader reader, CapabilityCatalog catalog, IOptions<VrioOptions> options)
{
    public async Task<VrioReport> ReportAsync(string tenantId, DateTime from, DateTime to, Func<CapabilityKey, bool> include, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var previousFrom = from - (to - from);
        var current = await reader.ReadAsync(tenantId, from, to, cancellationToken);
        var previous = await reader.ReadAsync(tenantId, previousFrom, from, cancellationToken);
        var listing = await catalog.ListAsync(tenantId, current.Usage.Keys.Concat(previous.Usage.Keys), cancellationToken);
        var now = VrioAssessor.Assess(current, listing.Capabilities, Gaps(current, listing.Capabilities, o), o);
        var before = VrioAssessor.Assess(previous, listing.Capabilities, Gaps(previous, listing.Capabilities, o), o)
            .ToDictionary(a => CapabilityKey.Of(a.Capability.Ref));
        var report = new VrioReport
        {
            From = Timestamp.FromDateTime(from),
            To = Timestamp.FromDateTime(to),
            PreviousFrom = Timestamp.FromDateTime(previousFrom),
            Thresholds = o.ToThresholds(),
        };
        report.Notes.AddRange(listing.Notes);
        foreach (var assessment in now.Where(a => include(CapabilityKey.Of(a.Capability.Ref)))
            .OrderBy(a => a.Capability.Ref.Kind, StringComparer.Ordinal).ThenBy(a => a.Capability.Ref.Name, StringComparer.Ordinal).ThenBy(a => a.Capability.Ref.Version, StringComparer.Ordinal))
        {
            assessment.PreviousWindowVerdict = before[CapabilityKey.Of(assessment.Capability.Ref)].WindowVerdict;
            assessment.Verdict = VerdictChain.Settle(assessment.WindowVerdict, assessment.PreviousWindowVerdict);
            if (assessment.Verdict != assessment.WindowVerdict)
            {
                assessment.Weaknesses.Add($"verdict held at {VerdictChain.Name(assessment.Verdict)}: this window says {VerdictChain.Name(assessment.WindowVerdict)}, the one before did not; it changes when two consecutive windows agree");
            }

            report.Capabilities.Add(assessment);
        }

        return report;
    }

    /// <summary>
    /// For each capability with substitutes: what its traffic would have cost at the best
    /// substitute's cost per call (the best by successes per dollar among those that succeed at
    /// least as often, else among all).
    /// </summary>
    public static Dictionary<CapabilityKey, ReplayGap> Gaps(VrioFacts facts, IReadOnlyDictionary<CapabilityKey, Capability> capabilities, VrioOptions options)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(capabilities);
        var gaps = new Dictionary<CapabilityKey, ReplayGap>();
        var used = capabilities.Where(p => p.Value.Category.Length > 0 && facts.Usage.TryGetValue(p.Key, out var u) && u.Calls > 0 && p.Key.Kind != CapabilityKey.Workflow)
            .Select(p => (p.Key, p.Value.Category, Usage: facts.Usage[p.Key])).ToList();
        foreach (var c in used)
        {
            var peers = used.Where(p => p.Category == c.Category && p.Key.Name != c.Key.Name).ToList();
            var equal = peers.Where(p => p.Usage.SuccessRate >= c.Usage.SuccessRate - 0.005).ToList();
            var best = (equal.Count > 0 ? equal : peers).OrderBy(p => (double)p.Usage.CostUsd / p.Usage.Calls).ThenBy(p => p.Key.Name, StringComparer.Ordinal).FirstOrDefault();
            if (best.Usage is null)
            {
                continue;
            }

            var scenario = best.Usage.CostUsd / best.Usage.Calls * c.Usage.Calls;
            var method = equal.Count > 0
                ? $"its {c.Usage.Calls} calls at the substitute's cost per call, at equal success ({VrioIndicators.Num(Math.Round(best.Usage.SuccessRate, 3))} vs {VrioIndicators.Num(Math.Round(c.Usage.SuccessRate, 3))})"
                : $"its {c.Usage.Calls} calls at the substitute's cost per call, at lower success ({VrioIndicators.Num(Math.Round(best.Usage.SuccessRate, 3))} vs {VrioIndicators.Num(Math.Round(c.Usage.SuccessRate, 3))})";
            gaps[c.Key] = new ReplayGap(best.Key.ToString(), c.Usage.CostUsd, Math.Round(scenario, 9), method);
        }

        return gaps;
    }
}
