namespace Mesh.Telemetry.Vrio;

/// <summary>
/// A capability's value and full cost over a window. A run's outcome value goes to the models
/// and tools it used by their share of its cost (and, for the sensitivity, in equal parts); a
/// workflow is the whole run, so it gets the whole value against the run's whole cost. The store
/// attributes the runs' outcomes (<see cref="VrioFacts.Attributed"/>); this adds the costs and
/// the outcomes that name their capability.
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
        var sums = new Dictionary<CapabilityKey, Sums>();
        Sums Of(CapabilityKey key)
        {
            if (!sums.TryGetValue(key, out var sum))
            {
                sums[key] = sum = new Sums();
            }

            return sum;
        }

        foreach (var key in facts.Usage.Keys.Where(k => k.Kind != CapabilityKey.Workflow))
        {
            Of(key).Cost = facts.Usage[key].CostUsd;
        }

        foreach (var (key, daily) in facts.DailyCost.Where(p => p.Key.Kind != CapabilityKey.Workflow))
        {
            var sum = Of(key);
            foreach (var (day, cost) in daily)
            {
                sum.Add(day, 0m, cost);
            }
        }

        foreach (var (workflow, daily) in facts.WorkflowRunCost)
        {
            var sum = Of(workflow);
            foreach (var (day, cost) in daily)
            {
                sum.Cost += cost;
                sum.Add(day, 0m, cost);
            }
        }

        foreach (var (key, daily) in facts.Attributed)
        {
            var sum = Of(key);
            foreach (var (day, attributed) in daily)
            {
                sum.Value += attributed.ValueUsd;
                sum.Equal += attributed.EqualSplitUsd;
                sum.Outcomes += attributed.Outcomes;
                sum.Ok += attributed.Successful;
                sum.Add(day, attributed.ValueUsd, 0m);
            }
        }

        foreach (var outcome in facts.Outcomes)
        {
            // An outcome of a name without its version goes to the versions used, by their cost.
            var direct = outcome.Capability;
            var versions = direct.Version.Length > 0 ? [] : facts.Usage.Values.Where(u => u.Key.Kind == direct.Kind && u.Key.Name == direct.Name).ToList();
            var versionsCost = versions.Sum(v => v.CostUsd);
            IEnumerable<(CapabilityKey Key, decimal Share, decimal Equal)> shares = versions.Count == 0
                ? [(direct, 1m, 1m)]
                : versions.Select(v => (v.Key, versionsCost > 0 ? v.CostUsd / versionsCost : 1m / versions.Count, 1m / versions.Count));
            foreach (var (key, share, equalShare) in shares)
            {
                var sum = Of(key);
                var attributed = outcome.Success ? outcome.ValueUsd * share : 0m;
                sum.Value += attributed;
                sum.Equal += outcome.Success ? outcome.ValueUsd * equalShare : 0m;
                sum.Outcomes += outcome.Count;
                sum.Ok += outcome.Success ? outcome.Count : 0;
                sum.Add(outcome.Day, attributed, 0m);
            }
        }

        return sums.ToDictionary(p => p.Key, p => new CapabilityEconomics(p.Key)
        {
            FullCostUsd = p.Value.Cost,
            ValueUsd = p.Value.Value,
            ValueEqualSplitUsd = p.Value.Equal,
            Outcomes = p.Value.Outcomes,
            SuccessfulOutcomes = p.Value.Ok,
            Days = p.Value.Days,
        });
    }

    /// <summary>
    /// The <paramref name="quantile"/> of value per dollar over <paramref name="samples"/> resamples of
    /// the window's days (a day bootstrap, seeded so every store gives the same bound).
    /// </summary>
    public double? BootstrapLowerBound(int samples, double quantile)
    {
        // In day order: the resamples must not depend on the order the store returned the rows in.
        var days = Days.OrderBy(d => d.Key).Select(d => ((double)d.Value.Value, (double)d.Value.Cost)).ToArray();
        if (days.Length == 0 || FullCostUsd <= 0)
        {
            return null;
        }

        var random = new Random(20260301);
        var ratios = new double[samples];
        for (var s = 0; s < samples; s++)
        {
            double v = 0, c = 0;
            for (var i = 0; i < days.Length; i++)
            {
                var (value, cost) = days[random.Next(days.Length)];
                v += value;
                c += cost;
            }

            ratios[s] = c > 0 ? v / c : double.PositiveInfinity;
        }

        Array.Sort(ratios);
        return ratios[Math.Clamp((int)Math.Floor(quantile * samples), 0, samples - 1)];
    }

    /// <summary>What one capability accumulates while the outcomes are attributed.</summary>
    private sealed class Sums
    {
        public decimal Cost { get; set; }

        public decimal Value { get; set; }

        public decimal Equal { get; set; }

        public long Outcomes { get; set; }

        public long Ok { get; set; }

        public Dictionary<long, (decimal Value, decimal Cost)> Days { get; } = [];

        public void Add(long day, decimal value, decimal cost)
        {
            var current = Days.GetValueOrDefault(day);
            Days[day] = (current.Value + value, current.Cost + cost);
        }
    }
}
