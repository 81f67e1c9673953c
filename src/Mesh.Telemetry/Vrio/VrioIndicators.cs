using System.Globalization;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Vrio;

/// <summary>The four VRIO indicators of one capability, each with its formula, threshold and evidence.</summary>
public static class VrioIndicators
{
    private static readonly HashSet<Provenance> Commodity = [Provenance.PublicApi, Provenance.OpenModel];
    private static readonly HashSet<Provenance> Proprietary = [Provenance.FineTuned, Provenance.InHouse, Provenance.OwnData];

    public static Indicator Value(VrioInputs c, IReadOnlyList<VrioInputs> category, VrioOptions o)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(category);
        ArgumentNullException.ThrowIfNull(o);
        var e = c.Economics;
        var indicator = new Indicator { Name = "value", Sufficient = true };
        Add(indicator, "full cost (USD)", Usd(e.FullCostUsd));
        Add(indicator, "outcomes (successful)", $"{e.Outcomes} ({e.SuccessfulOutcomes})");
        Add(indicator, "value, cost-share attribution (USD)", Usd(e.ValueUsd));
        Add(indicator, "value, equal-split sensitivity (USD)", Usd(e.ValueEqualSplitUsd));
        if (c.Measured(o))
        {
            var lower = e.BootstrapLowerBound(o.BootstrapSamples, o.BootstrapQuantile);
            indicator.Formula = $"value per dollar = attributed outcome value / full cost; lower bound = q{Num(o.BootstrapQuantile)} of {o.BootstrapSamples} day-bootstrap resamples";
            indicator.Threshold = $"valuable when the lower bound >= {Num(o.MinValuePerUsd)}";
            Add(indicator, "value per dollar", e.ValuePerUsd is { } v ? Num(v) : "n/a (no cost)");
            Add(indicator, "value per dollar, equal split", e.FullCostUsd > 0 ? Num((double)(e.ValueEqualSplitUsd / e.FullCostUsd)) : "n/a");
            Add(indicator, "lower bound", lower is { } l ? Num(l) : "n/a");
            indicator.Score = lower is { } b && double.IsFinite(b) ? b : e.ValuePerUsd ?? 0;
            indicator.Met = lower is null ? e.ValueUsd > 0 : lower >= o.MinValuePerUsd;
            indicator.Reason = indicator.Met ? "outcome value covers its cost" : "outcome value does not cover its cost with confidence";
            return indicator;
        }

        var peers = category.Where(p => p.Key.Name != c.Key.Name && p.Usage.Calls > 0).ToList();
        var peerRate = peers.Count == 0 ? (double?)null : peers.Sum(p => (double)p.Usage.Ok) / peers.Sum(p => p.Usage.Calls);
        indicator.Proxy = true;
        indicator.Formula = "proxy (fewer outcomes than the minimum): success rate = ok calls / calls, against its category's";
        indicator.Threshold = $"valuable when the success rate >= {Num(o.ProxyMinSuccessRate)} and >= the category's";
        Add(indicator, "success rate", Num(c.Usage.SuccessRate));
        Add(indicator, "category success rate", peerRate is { } r ? Num(r) : "no substitutes");
        indicator.Score = c.Usage.SuccessRate;
        indicator.Met = c.Usage.SuccessRate >= o.ProxyMinSuccessRate && (peerRate is null || c.Usage.SuccessRate >= peerRate.Value);
        indicator.Reason = $"{e.Outcomes} outcomes < {o.MinOutcomes}: judged by the proxy; " + (indicator.Met ? "it succeeds as well as its category" : "it succeeds less than required");
        return indicator;
    }

    /// <summary>The capabilities of its category that come within the ratio of its efficiency (value per dollar, or successes per dollar when either is proxied).</summary>
    public static List<VrioInputs> CloseSubstitutes(VrioInputs c, IReadOnlyList<VrioInputs> category, VrioOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return [.. category.Where(p => p.Key.Name != c.Key.Name && p.Usage.Calls > 0 && Efficiency(p, c, o) >= o.CloseSubstituteRatio * Efficiency(c, p, o))];
    }

    public static Indicator Rarity(VrioInputs c, IReadOnlyList<VrioInputs> category, VrioOptions o)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(o);
        var provenance = c.Metadata.Provenance;
        var close = CloseSubstitutes(c, category, o);
        var indicator = new Indicator
        {
            Name = "rarity",
            Formula = $"close substitutes = capabilities of category '{c.Metadata.Category}' whose value per dollar (successes per dollar where outcomes are few) >= {Num(o.CloseSubstituteRatio)} x its own",
            Threshold = $"rare when close substitutes <= {o.MaxCloseSubstitutes} and provenance is not public API or open model",
            Score = close.Count,
        };
        Add(indicator, "provenance", Name(provenance));
        Add(indicator, "category", c.Metadata.Category.Length == 0 ? "(not set)" : c.Metadata.Category);
        Add(indicator, "substitutes in category", (category.Count(p => p.Key.Name != c.Key.Name)).ToString(CultureInfo.InvariantCulture));
        Add(indicator, "close substitutes", close.Count == 0 ? "none" : string.Join(", ", close.Select(s => s.Key.ToString()).Order(StringComparer.Ordinal)));
        if (close.Count > o.MaxCloseSubstitutes || Commodity.Contains(provenance))
        {
            indicator.Sufficient = true;
            indicator.Reason = close.Count > o.MaxCloseSubstitutes ? $"{close.Count} close substitutes" : $"{Name(provenance)}: anyone can have it";
            return indicator;
        }

        if (provenance == Provenance.Unspecified || c.Metadata.Category.Length == 0)
        {
            indicator.Reason = "set its provenance and category (mesh vrio set) to judge rarity";
            return indicator;
        }

        indicator.Sufficient = indicator.Met = true;
        indicator.Reason = $"no close substitute and {Name(provenance)}";
        return indicator;
    }

    public static Indicator Imitability(VrioInputs c, ReplayGap? gap, DateTime to, VrioOptions o)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(o);
        var days = c.History is { } h ? Math.Max(0, (to - h.FirstUse).TotalDays) : 0;
        var indicator = new Indicator
        {
            Name = "imitability",
            Formula = "hard to imitate = proprietary provenance (fine-tuned, in-house, own data) and days in production >= minimum and the replay to the best substitute saves no more than the maximum at equal success",
            Threshold = $"days in production >= {o.MinDaysInProduction}; replay saving <= {Num(o.MaxSubstituteSaving)}",
            Score = days,
        };
        Add(indicator, "provenance", Name(c.Metadata.Provenance));
        Add(indicator, "days in production", Num(Math.Round(days, 1)));
        Add(indicator, "versions", (c.History?.Versions ?? 0).ToString(CultureInfo.InvariantCulture));
        Add(indicator, "runs (window)", (c.History?.Runs ?? 0).ToString(CultureInfo.InvariantCulture));
        Add(indicator, "calls (all time)", (c.History?.Calls ?? 0).ToString(CultureInfo.InvariantCulture));
        Add(indicator, "outcomes (window)", c.Economics.Outcomes.ToString(CultureInfo.InvariantCulture));
        Add(indicator, "replay gap", gap is null ? "no substitute to replay" : $"to {gap.Substitute}: {Usd(gap.BaselineUsd)} -> {Usd(gap.ScenarioUsd)} ({Num(Math.Round(gap.Saving * 100, 1))}% saving; {gap.Method}, {gap.Success})");
        if (c.Metadata.Provenance == Provenance.Unspecified)
        {
            indicator.Reason = "set its provenance (mesh vrio set) to judge imitability";
            return indicator;
        }

        indicator.Sufficient = true;
        var reasons = new List<string>();
        if (!Proprietary.Contains(c.Metadata.Provenance))
        {
            reasons.Add($"{Name(c.Metadata.Provenance)} can be bought or downloaded by anyone");
        }

        if (days < o.MinDaysInProduction)
        {
            reasons.Add($"{Num(Math.Round(days, 1))} days in production < {o.MinDaysInProduction}");
        }

        if (gap is not null && gap.Saving > o.MaxSubstituteSaving)
        {
            reasons.Add($"replay to {gap.Substitute} saves {Num(Math.Round(gap.Saving * 100, 1))}%");
        }

        indicator.Met = reasons.Count == 0;
        indicator.Reason = indicator.Met ? "proprietary, established and not cheaper to replace" : string.Join("; ", reasons);
        return indicator;
    }

    public static Indicator Organization(VrioInputs c, VrioFacts facts, VrioOptions o)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(o);
        var u = c.Usage;
        var m = c.Metadata;
        var audits = facts.Audits.GetValueOrDefault($"{c.Key.Kind}:{c.Key.Name}");
        var decisions = audits.Allowed + audits.Denied;
        var checkedShare = c.Key.Kind == CapabilityKey.Workflow ? 1.0 : u.Calls == 0 ? 0 : Math.Min(1.0, audits.Allowed / (double)u.Calls);
        var tracedShare = u.Calls == 0 ? 0 : u.Traced / (double)u.Calls;
        var meteredShare = u.Calls == 0 ? 0 : u.Priced / (double)u.Calls;
        var governed = Math.Min(checkedShare, Math.Min(tracedShare, meteredShare));
        var denyRate = decisions == 0 ? 0 : audits.Denied / (double)decisions;
        var sloMet = m.SloSuccessRate > 0 && u.SuccessRate >= m.SloSuccessRate && (m.SloP95Ms <= 0 || u.P95Ms <= m.SloP95Ms);
        var workflows = facts.DependentWorkflows.GetValueOrDefault(c.Key)?.Count ?? 0;
        var indicator = new Indicator
        {
            Name = "organization",
            Sufficient = true,
            Formula = "governed share = min(permission-checked, metered, traced shares of calls); organized = owner, budget and SLO set, SLO met, governed share, adoption and deny rate within thresholds",
            Threshold = $"governed share >= {Num(o.MinGovernedShare)}; principals >= {o.MinPrincipals}; deny rate <= {Num(o.MaxDenyRate)}",
            Score = governed,
        };
        Add(indicator, "permission-checked share", Num(Math.Round(checkedShare, 3)));
        Add(indicator, "metered (priced) share", Num(Math.Round(meteredShare, 3)));
        Add(indicator, "traced share", Num(Math.Round(tracedShare, 3)));
        Add(indicator, "owner", m.Owner.Length == 0 ? "(not set)" : m.Owner);
        Add(indicator, "budget (USD per window)", m.BudgetUsd.Length == 0 ? "(not set)" : m.BudgetUsd);
        Add(indicator, "SLO", m.SloSuccessRate > 0 ? $"success >= {Num(m.SloSuccessRate)}" + (m.SloP95Ms > 0 ? $", p95 <= {Num(m.SloP95Ms)} ms" : "") : "(not set)");
        Add(indicator, "measured", $"success {Num(Math.Round(u.SuccessRate, 4))}, p95 {Num(Math.Round(u.P95Ms, 1))} ms");
        Add(indicator, "adoption", $"{u.Principals} principals, {workflows} workflows");
        Add(indicator, "deny rate", decisions == 0 ? "no access decisions" : Num(Math.Round(denyRate, 3)));
        Add(indicator, "device time (s) used / reserved", $"{Num(Math.Round(u.ComputeSeconds, 1))} / " + (m.ReservedDeviceSeconds > 0 ? Num(m.ReservedDeviceSeconds) : "none"));

        var missing = new List<string>();
        if (m.Owner.Length == 0)
        {
            missing.Add("no owner");
        }

        if (m.BudgetUsd.Length == 0)
        {
            missing.Add("no budget");
        }

        if (m.SloSuccessRate <= 0)
        {
            missing.Add("no SLO");
        }
        else if (!sloMet)
        {
            missing.Add("SLO missed");
        }

        if (governed < o.MinGovernedShare)
        {
            missing.Add($"governed share {Num(Math.Round(governed, 3))} < {Num(o.MinGovernedShare)}");
        }

        if (u.Principals + workflows < o.MinPrincipals)
        {
            missing.Add($"adopted by {u.Principals} principals and {workflows} workflows < {o.MinPrincipals}");
        }

        if (denyRate > o.MaxDenyRate)
        {
            missing.Add($"deny rate {Num(Math.Round(denyRate, 3))} > {Num(o.MaxDenyRate)}");
        }

        indicator.Met = missing.Count == 0;
        indicator.Reason = indicator.Met ? "owned, budgeted, within its SLO, governed and adopted" : string.Join("; ", missing);
        return indicator;
    }

    private static double Efficiency(VrioInputs self, VrioInputs other, VrioOptions o) =>
        self.Measured(o) && other.Measured(o) ? self.Economics.ValuePerUsd ?? double.PositiveInfinity : self.SuccessesPerUsd;

    public static string Name(Provenance provenance) => provenance switch
    {
        Provenance.PublicApi => "public API",
        Provenance.OpenModel => "open model",
        Provenance.Licensed => "licensed",
        Provenance.FineTuned => "fine-tuned",
        Provenance.InHouse => "in-house",
        Provenance.OwnData => "built on own data",
        _ => "(not set)",
    };

    private static void Add(Indicator indicator, string name, string value) => indicator.Evidence.Add(new Evidence { Name = name, Value = value });

    public static string Num(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    public static string Usd(decimal value) => "$" + Math.Round(value, 4).ToString("0.####", CultureInfo.InvariantCulture);
}
