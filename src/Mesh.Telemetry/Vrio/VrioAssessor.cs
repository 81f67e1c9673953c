using System.Globalization;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Vrio;

/// <summary>Assesses every capability of one window: minimum evidence, the four indicators, the verdict, weaknesses and the action.</summary>
public static class VrioAssessor
{
    private const string NoCost = "no cost in the window ($0 full cost): value per dollar cannot be judged";

    public static List<CapabilityAssessment> Assess(
        VrioFacts facts, IReadOnlyDictionary<CapabilityKey, Capability> capabilities, IReadOnlyDictionary<CapabilityKey, ReplayGap> gaps, VrioOptions options)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(gaps);
        ArgumentNullException.ThrowIfNull(options);
        var economics = CapabilityEconomics.Compute(facts);
        var inputs = capabilities.Select(p => new VrioInputs(
            p.Key, p.Value,
            facts.Usage.GetValueOrDefault(p.Key) ?? new CapabilityUsage(p.Key),
            economics.GetValueOrDefault(p.Key) ?? new CapabilityEconomics(p.Key),
            facts.History.GetValueOrDefault(p.Key with { Version = "" }))).ToList();
        var categories = inputs.Where(i => i.Metadata.Category.Length > 0).GroupBy(i => i.Metadata.Category, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<VrioInputs>)[.. g], StringComparer.Ordinal);
        return [.. inputs.Select(c => Assess(c, categories.GetValueOrDefault(c.Metadata.Category) ?? [c], gaps.GetValueOrDefault(c.Key), facts, options))];
    }

    public static CapabilityAssessment Assess(VrioInputs c, IReadOnlyList<VrioInputs> category, ReplayGap? gap, VrioFacts facts, VrioOptions o)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(o);
        var assessment = new CapabilityAssessment
        {
            Capability = c.Metadata,
            Value = VrioIndicators.Value(c, category, o),
            Rarity = VrioIndicators.Rarity(c, category, o),
            Imitability = VrioIndicators.Imitability(c, gap, facts.To, o),
            Organization = VrioIndicators.Organization(c, facts, o),
            Calls = c.Usage.Calls,
        };
        var shortOf = ShortOfEvidence(c, o);
        if (shortOf.Count == 0 && c.Economics.FullCostUsd <= 0)
        {
            // Calls enough but nothing paid in the window: value per dollar would be judged on nothing.
            shortOf.Add(NoCost);
            assessment.Value.Evidence.Add(new Evidence { Name = "not enough evidence", Value = NoCost });
        }

        if (shortOf.Count > 0)
        {
            assessment.Value.Sufficient = false;
            assessment.Value.Met = false;
            assessment.Value.Reason = "not enough evidence: " + string.Join("; ", shortOf);
        }

        assessment.WindowVerdict = VerdictChain.Judge(assessment.Value, assessment.Rarity, assessment.Imitability, assessment.Organization);
        assessment.Verdict = assessment.WindowVerdict;
        foreach (var indicator in new[] { assessment.Value, assessment.Rarity, assessment.Imitability, assessment.Organization }.Where(i => !i.Met))
        {
            assessment.Weaknesses.Add($"{indicator.Name}: {indicator.Reason}");
        }

        assessment.Action = Action(assessment, c, gap, shortOf, o);
        return assessment;
    }

    private static List<string> ShortOfEvidence(VrioInputs c, VrioOptions o)
    {
        var shortOf = new List<string>();
        if (c.Usage.Days < o.MinDays)
        {
            shortOf.Add($"{c.Usage.Days} days with calls < {o.MinDays}");
        }

        if (c.Usage.Calls < o.MinCalls)
        {
            shortOf.Add($"{c.Usage.Calls} calls < {o.MinCalls}");
        }

        return shortOf;
    }

    private static string Action(CapabilityAssessment a, VrioInputs c, ReplayGap? gap, List<string> shortOf, VrioOptions o)
    {
        var verdict = VerdictChain.Name(a.WindowVerdict);
        var cheaper = gap is not null && gap.Saving > o.MaxSubstituteSaving
            ? $"replay shows {c.Key.Name} -> {gap.Substitute} saves {Math.Round(gap.Saving * 100).ToString(CultureInfo.InvariantCulture)}%" : null;
        return a.WindowVerdict switch
        {
            Verdict.NotEnoughEvidence when shortOf.Count > 0 => $"{verdict}: keep it running and measured ({string.Join("; ", shortOf)})",
            Verdict.NotEnoughEvidence => $"{verdict}: " + new[] { a.Rarity, a.Imitability }.First(i => !i.Sufficient).Reason,
            Verdict.CompetitiveDisadvantage => cheaper is not null ? $"{cheaper}: {verdict}, substitute it" : c.Measured(o) ? $"{verdict}: its outcomes are worth less than it costs; fix or retire it" : $"{verdict}: record outcomes (mesh vrio outcome) or raise its success rate",
            Verdict.CompetitiveParity => cheaper is not null ? $"{cheaper} at {(gap!.EqualSuccess ? "equal" : "lower")} success: {verdict}, consider substituting" : $"{verdict}: a commodity; buy it at the lowest price, or differentiate it (fine-tune on own data)",
            Verdict.TemporaryAdvantage => $"{verdict}: {a.Imitability.Reason}; build the moat (own data, fine-tuning, workflows that depend on it)",
            Verdict.UnusedAdvantage => $"{verdict}: {a.Organization.Reason.Split("; ")[0]}; fix that to capture its value",
            Verdict.SustainedAdvantage => $"{verdict}: keep investing and protect it",
            _ => verdict,
        };
    }
}
