using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.Pricing.Replay;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Vrio;

/// <summary>The VRIO report of a tenant: this window and the one before it, judged by the two-window rule.</summary>
public sealed class VrioReporter(VrioFactsReader reader, CapabilityCatalog catalog, IOptions<VrioOptions> options, CostReplayer? replayer = null)
{
    public async Task<VrioReport> ReportAsync(string tenantId, DateTime from, DateTime to, Func<CapabilityKey, bool> include, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var previousFrom = from - (to - from);
        var (current, previous) = await reader.ReadAsync(tenantId, previousFrom, from, to, cancellationToken);
        var listing = await catalog.ListAsync(tenantId, current.Usage.Keys.Concat(previous.Usage.Keys), cancellationToken);
        var now = VrioAssessor.Assess(current, listing.Capabilities, await ReplayAsync(Gaps(current, listing.Capabilities, o), tenantId, from, to, cancellationToken), o);
        var before = VrioAssessor.Assess(previous, listing.Capabilities, await ReplayAsync(Gaps(previous, listing.Capabilities, o), tenantId, previousFrom, from, cancellationToken), o)
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
    /// Where a model's substitute is priced, its gap is the analytics replay's: the window's
    /// tokens and device time of the model billed at the substitute's prices. Every model of the
    /// window is replayed in one pass (one replay with all the substitutions; a model whose
    /// versions have different substitutes takes one more pass per extra substitute).
    /// </summary>
    private async Task<Dictionary<CapabilityKey, ReplayGap>> ReplayAsync(Dictionary<CapabilityKey, ReplayGap> gaps, string tenantId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        if (replayer is null)
        {
            return gaps;
        }

        var candidates = gaps.Where(g => g.Key.Kind == CapabilityKey.Model && g.Value.SubstituteKey.Kind == CapabilityKey.Model && replayer.CanPrice(g.Value.SubstituteKey.Name));
        var passes = candidates.GroupBy(g => g.Key.Name, StringComparer.Ordinal)
            .SelectMany(name => name.GroupBy(g => g.Value.SubstituteKey.Name, StringComparer.Ordinal)
                .Select((substitute, pass) => (Pass: pass, From: name.Key, To: substitute.Key, Keys: substitute.Select(g => g.Key).ToList())))
            .GroupBy(s => s.Pass).OrderBy(p => p.Key);
        var caller = new Caller("vrio", tenantId, PrincipalKind.Service, IsAdmin: false);
        foreach (var pass in passes)
        {
            var request = new ReplayRequest { From = Timestamp.FromDateTime(from), To = Timestamp.FromDateTime(to), GroupBy = { "resource" }, Limit = 10_000 };
            request.Substitutions.AddRange(pass.Select(s => new ModelSubstitution { From = s.From, To = s.To }));
            var rows = (await replayer.ReplayAsync(request, caller, cancellationToken)).Rows
                .Where(r => r.Keys.Count == 1).ToDictionary(r => r.Keys[0], StringComparer.Ordinal);
            foreach (var substitution in pass)
            {
                if (rows.GetValueOrDefault(substitution.From) is { } row
                    && decimal.TryParse(row.BaselineUsd, NumberStyles.Float, CultureInfo.InvariantCulture, out var baseline)
                    && decimal.TryParse(row.ScenarioUsd, NumberStyles.Float, CultureInfo.InvariantCulture, out var scenario)
                    && baseline > 0)
                {
                    foreach (var key in substitution.Keys)
                    {
                        gaps[key] = gaps[key] with { BaselineUsd = baseline, ScenarioUsd = scenario, Method = "analytics replay: its tokens and device time at the substitute's prices" };
                    }
                }
            }
        }

        return gaps;
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
            var success = $"{(equal.Count > 0 ? "at equal" : "at lower")} success ({VrioIndicators.Num(Math.Round(best.Usage.SuccessRate, 3))} vs {VrioIndicators.Num(Math.Round(c.Usage.SuccessRate, 3))})";
            gaps[c.Key] = new ReplayGap(best.Key, c.Usage.CostUsd, Math.Round(scenario, 9), $"its {c.Usage.Calls} calls at the substitute's cost per call", success);
        }

        return gaps;
    }
}
