namespace Mesh.Telemetry.Vrio;

/// <summary>
/// A capability's value and full cost over a window. A run's outcome value goes to the models
/// and tools it used by their share of its cost (and, for the sensitivity, in equal parts); a
/// workflow is the whole run, so it gets the whole value against the run's whole cost.
/// </summary>
public sealed record CapabilityEconomics(CapabilityKey Key)
{
    public decimal FullCostUsd { get; init; }
    public decimal ValueUsd { get; init; }
    public decimal ValueEqualSplitUsd { get; init; }
    public long Outcomes { get; init; }
    public long SuccessfulOutcomes { get; init; }
    public IReadOnlyDictionary<long, (decimal Value, decimal Cost)> Days { get; init; } = new Dictionary<long, (decimal, decimal)>();

    public double? ValuePerUsd => FullCostUsd > 0 ? (double)(ValueUsd / FullCostUsd) : null;

    /// <summary>Economics of every capability in <paramref name="facts"/>.</summary>
    public static Dictionary<CapabilityKey, CapabilityEconomics> Compute(VrioFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var value = new Dictionary<CapabilityKey, decimal>();
        var equal = new Dictionary<CapabilityKey, decimal>();
        var outcomes = new Dictionary<CapabilityKey, (long All, long Ok)>();
        var days = new Dictionary<CapabilityKey, Dictionary<long, (decimal Value, decimal Cost)>>();

        void Add(CapabilityKey key, long day, decimal v, decimal c)
        {
            if (!days.TryGetValue(key, out var series))
            {
                days[key] = series = [];
            }

            var current = series.GetValueOrDefault(day);
            series[day] = (current.Value + v, current.Cost + c);
        }

        foreach (var (key, daily) in facts.DailyCost.Where(p => p.Key.Kind != CapabilityKey.Workflow))
        {
            foreach (var (day, cost) in daily)
            {
                Add(key, day, 0m, cost);
            }
        }

        var workflowCost = new Dictionary<CapabilityKey, decimal>();
        foreach (var (run, parts) in facts.Runs)
        {
            var (runDay, runCost) = facts.RunTotals[run];
            foreach (var workflow in parts.Keys.Where(k => k.Kind == CapabilityKey.Workflow))
            {
                workflowCost[workflow] = workflowCost.GetValueOrDefault(workflow) + runCost;
                Add(workflow, runDay, 0m, runCost);
            }
        }

        foreach (var outcome in facts.Outcomes)
        {
            var shares = new List<(CapabilityKey Key, decimal Share, decimal Equal)>();
            if (outcome.Capability is { } direct)
            {
                // An outcome of a name without its version goes to the versions used, by their cost.
                var versions = direct.Version.Length > 0 ? [] : facts.Usage.Values.Where(u => u.Key.Kind == direct.Kind && u.Key.Name == direct.Name).ToList();
                var versionsCost = versions.Sum(v => v.CostUsd);
                shares.AddRange(versions.Count == 0
                    ? [(direct, 1m, 1m)]
                    : versions.Select(v => (v.Key, versionsCost > 0 ? v.CostUsd / versionsCost : 1m / versions.Count, 1m / versions.Count)));
            }
            else if (facts.Runs.TryGetValue(outcome.RunId, out var parts))
            {
                var components = parts.Where(p => p.Key.Kind != CapabilityKey.Workflow).ToList();
                var componentCost = components.Sum(p => p.Value);
                foreach (var (key, cost) in components)
                {
                    shares.Add((key, componentCost > 0 ? cost / componentCost : 1m / components.Count, 1m / components.Count));
                }

                shares.AddRange(parts.Keys.Where(k => k.Kind == CapabilityKey.Workflow).Select(k => (k, 1m, 1m)));
            }

            foreach (var (key, share, equalShare) in shares)
            {
                value[key] = value.GetValueOrDefault(key) + (outcome.Success ? outcome.ValueUsd * share : 0m);
                equal[key] = equal.GetValueOrDefault(key) + (outcome.Success ? outcome.ValueUsd * equalShare : 0m);
                var counted = outcomes.GetValueOrDefault(key);
                outcomes[key] = (counted.All + 1, counted.Ok + (outcome.Success ? 1 : 0));
                Add(key, outcome.Day, outcome.Success ? outcome.ValueUsd * share : 0m, 0m);
            }
        }

        var keys = facts.Usage.Keys.Concat(value.Keys).Concat(workflowCost.Keys).Distinct();
        return keys.ToDictionary(k => k, k => new CapabilityEconomics(k)
        {
            FullCostUsd = k.Kind == CapabilityKey.Workflow ? workflowCost.GetValueOrDefault(k) : facts.Usage.GetValueOrDefault(k)?.CostUsd ?? 0m,
            ValueUsd = value.GetValueOrDefault(k),
            ValueEqualSplitUsd = equal.GetValueOrDefault(k),
            Outcomes = outcomes.GetValueOrDefault(k).All,
            SuccessfulOutcomes = outcomes.GetValueOrDefault(k).Ok,
            Days = days.GetValueOrDefault(k) ?? [],
        });
    }

    /// <summary>
    /// The <paramref name="quantile"/> of value per dollar over <paramref name="samples"/> resamples of
    /// the window's days (a day bootstrap, seeded so every store gives the same bound).
    /// </summary>
    public double? BootstrapLowerBound(int samples, double quantile)
    {
        var series = Days.Values.ToArray();
        if (series.Length == 0 || FullCostUsd <= 0)
        {
            return null;
        }

        var random = new Random(20260301);
        var ratios = new double[samples];
        for (var s = 0; s < samples; s++)
        {
            decimal v = 0m, c = 0m;
            for (var i = 0; i < series.Length; i++)
            {
                var pick = series[random.Next(series.Length)];
                v += pick.Value;
                c += pick.Cost;
            }

            ratios[s] = c > 0 ? (double)(v / c) : double.PositiveInfinity;
        }

        Array.Sort(ratios);
        return ratios[Math.Clamp((int)Math.Floor(quantile * samples), 0, samples - 1)];
    }
}
