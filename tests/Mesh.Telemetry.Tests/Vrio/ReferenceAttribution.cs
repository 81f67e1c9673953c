using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>
/// The attribution of run outcomes written the plain way, run by run in C# decimals: each run's
/// outcome value goes to the models and tools it used by their share of its cost (equally when it
/// cost nothing; equally for the sensitivity), whole to its workflows; a workflow's cost is its
/// runs' whole cost on the run's day. What the store computes must come out the same.
/// </summary>
public static class ReferenceAttribution
{
    /// <summary>A run's cost per capability and its day (its first capability event's).</summary>
    public sealed record Run(long Day, Dictionary<CapabilityKey, decimal> Parts);

    /// <summary>The outcomes of one run, success and day: how many and their value together.</summary>
    public sealed record RunOutcome(string RunId, bool Success, decimal ValueUsd, long Day, long Count = 1);

    /// <summary>Fills <see cref="VrioFacts.Attributed"/>, <see cref="VrioFacts.WorkflowRunCost"/>, <see cref="VrioFacts.RunsByName"/> and <see cref="VrioFacts.DependentWorkflows"/> of <paramref name="facts"/>.</summary>
    public static void Apply(VrioFacts facts, IReadOnlyDictionary<string, Run> runs, IEnumerable<RunOutcome> outcomes)
    {
        foreach (var (_, run) in runs)
        {
            var total = run.Parts.Values.Sum();
            foreach (var workflow in run.Parts.Keys.Where(k => k.Kind == CapabilityKey.Workflow))
            {
                var days = Get(facts.WorkflowRunCost, workflow);
                days[run.Day] = days.GetValueOrDefault(run.Day) + total;
                foreach (var used in run.Parts.Keys.Where(k => k.Kind != CapabilityKey.Workflow))
                {
                    if (!facts.DependentWorkflows.TryGetValue(used, out var set))
                    {
                        facts.DependentWorkflows[used] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(workflow.Name);
                }
            }

            foreach (var name in run.Parts.Keys.Select(k => k with { Version = "" }).Distinct())
            {
                facts.RunsByName[name] = facts.RunsByName.GetValueOrDefault(name) + 1;
            }
        }

        foreach (var outcome in outcomes)
        {
            if (!runs.TryGetValue(outcome.RunId, out var run))
            {
                continue;
            }

            var components = run.Parts.Where(p => p.Key.Kind != CapabilityKey.Workflow).ToList();
            var componentCost = components.Sum(p => p.Value);
            foreach (var (key, cost) in run.Parts)
            {
                var (share, equal) = key.Kind == CapabilityKey.Workflow ? (1m, 1m)
                    : (componentCost > 0 ? cost / componentCost : 1m / components.Count, 1m / components.Count);
                var value = outcome.Success ? outcome.ValueUsd : 0m;
                var days = Get(facts.Attributed, key);
                days[outcome.Day] = days.GetValueOrDefault(outcome.Day)
                    + new AttributedValue(value * share, value * equal, outcome.Count, outcome.Success ? outcome.Count : 0);
            }
        }
    }

    private static Dictionary<long, T> Get<T>(Dictionary<CapabilityKey, Dictionary<long, T>> map, CapabilityKey key)
    {
        if (!map.TryGetValue(key, out var days))
        {
            map[key] = days = [];
        }

        return days;
    }
}
