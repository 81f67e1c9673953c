using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Vrio;

/// <summary>A capability's facts in one window, with its metadata and category peers' figures.</summary>
public sealed record VrioInputs(CapabilityKey Key, Capability Metadata, CapabilityUsage Usage, CapabilityEconomics Economics, CapabilityHistory? History)
{
    public bool Measured(VrioOptions options) => Economics.Outcomes >= options.MinOutcomes;

    /// <summary>Successful calls per dollar: the proxy basis when outcomes are too few.</summary>
    public double SuccessesPerUsd => Economics.FullCostUsd > 0 ? Usage.Ok / (double)Economics.FullCostUsd : Usage.Ok > 0 ? double.PositiveInfinity : 0;

    public double CostPerCall => Usage.Calls == 0 ? 0 : (double)Economics.FullCostUsd / Usage.Calls;
}

/// <summary>What the analytics replay says moving a capability's traffic to another would have cost.</summary>
public sealed record ReplayGap(CapabilityKey SubstituteKey, decimal BaselineUsd, decimal ScenarioUsd, string Method, string Success)
{
    public string Substitute => SubstituteKey.ToString();

    public bool EqualSuccess => Success.StartsWith("at equal", StringComparison.Ordinal);

    public double Saving => BaselineUsd > 0 ? (double)((BaselineUsd - ScenarioUsd) / BaselineUsd) : 0;
}
