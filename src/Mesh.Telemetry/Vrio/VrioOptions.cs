using Mesh.Telemetry.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Vrio;

/// <summary>The VRIO thresholds and minimum evidence (<c>Mesh:Telemetry:Vrio</c>); every report shows them.</summary>
public sealed class VrioOptions
{
    public const string SectionName = "Mesh:Telemetry:Vrio";

    /// <summary>The window a report covers when the request names none; the window before it is the second of the two-window rule.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Value: valuable when the bootstrap lower bound of value per dollar of full cost reaches this.</summary>
    public double MinValuePerUsd { get; set; } = 1.0;

    /// <summary>Rarity: a substitute is close when its value per dollar is at least this share of the capability's.</summary>
    public double CloseSubstituteRatio { get; set; } = 0.9;

    /// <summary>Rarity: rare when at most this many close substitutes exist (and the provenance is not a commodity).</summary>
    public int MaxCloseSubstitutes { get; set; }

    /// <summary>Value proxy (no outcomes): valuable when the success rate reaches this and is not below its category's.</summary>
    public double ProxyMinSuccessRate { get; set; } = 0.95;

    /// <summary>Imitability: days since its first use before its history counts as a moat.</summary>
    public int MinDaysInProduction { get; set; } = 30;

    /// <summary>Imitability: easy to imitate when the replay to the best substitute saves more than this share at equal success.</summary>
    public double MaxSubstituteSaving { get; set; } = 0.1;

    /// <summary>Organization: the least share of calls that must be permission-checked, metered and traced.</summary>
    public double MinGovernedShare { get; set; } = 0.9;

    /// <summary>Organization: adoption: the least number of principals that use it.</summary>
    public int MinPrincipals { get; set; } = 2;

    /// <summary>Organization: the most share of access decisions on it that may be denials.</summary>
    public double MaxDenyRate { get; set; } = 0.2;

    /// <summary>Minimum evidence: days with calls in the window.</summary>
    public int MinDays { get; set; } = 7;

    /// <summary>Minimum evidence: calls in the window.</summary>
    public long MinCalls { get; set; } = 100;

    /// <summary>Minimum evidence: outcomes before value is measured rather than proxied.</summary>
    public long MinOutcomes { get; set; } = 20;

    /// <summary>Bootstrap resamples (of days) for the lower bound of value per dollar.</summary>
    public int BootstrapSamples { get; set; } = 1000;

    /// <summary>The quantile of the bootstrap taken as the lower bound.</summary>
    public double BootstrapQuantile { get; set; } = 0.05;

    /// <summary>The largest value one outcome may carry, in USD.</summary>
    public decimal MaxOutcomeUsd { get; set; } = 1_000_000m;

    /// <summary>Read models, tools and workflows from the inference, tools and agents services (off: usage and metadata only).</summary>
    public bool ReadRegistries { get; set; } = true;

    public VrioThresholds ToThresholds() => new()
    {
        MinValuePerUsd = MinValuePerUsd,
        CloseSubstituteRatio = CloseSubstituteRatio,
        MaxCloseSubstitutes = MaxCloseSubstitutes,
        ProxyMinSuccessRate = ProxyMinSuccessRate,
        MinDaysInProduction = MinDaysInProduction,
        MaxSubstituteSaving = MaxSubstituteSaving,
        MinGovernedShare = MinGovernedShare,
        MinPrincipals = MinPrincipals,
        MaxDenyRate = MaxDenyRate,
        MinDays = MinDays,
        MinCalls = MinCalls,
        MinOutcomes = MinOutcomes,
        BootstrapSamples = BootstrapSamples,
        BootstrapQuantile = BootstrapQuantile,
    };

    public IEnumerable<string> Problems()
    {
        if (Window < TimeSpan.FromDays(1) || Window > TimeSpan.FromDays(366))
        {
            yield return $"{SectionName}:Window must be between 1 day and 366 days";
        }

        foreach (var (name, share) in new[] { (nameof(CloseSubstituteRatio), CloseSubstituteRatio), (nameof(ProxyMinSuccessRate), ProxyMinSuccessRate), (nameof(MaxSubstituteSaving), MaxSubstituteSaving), (nameof(MinGovernedShare), MinGovernedShare), (nameof(MaxDenyRate), MaxDenyRate) })
        {
            if (!(share is >= 0 and <= 1))
            {
                yield return $"{SectionName}:{name} must be a share between 0 and 1";
            }
        }

        if (!(BootstrapQuantile is > 0 and < 0.5))
        {
            yield return $"{SectionName}:BootstrapQuantile must be between 0 and 0.5 (a lower bound)";
        }

        if (!(MinValuePerUsd >= 0) || !double.IsFinite(MinValuePerUsd))
        {
            yield return $"{SectionName}:MinValuePerUsd must be a non-negative number";
        }

        if (MaxCloseSubstitutes < 0 || MinDaysInProduction < 0 || MinPrincipals < 0 || MinDays < 0 || MinCalls < 0 || MinOutcomes < 1)
        {
            yield return $"{SectionName}: MaxCloseSubstitutes, MinDaysInProduction, MinPrincipals, MinDays and MinCalls must not be negative, and MinOutcomes must be at least 1";
        }

        if (BootstrapSamples is < 100 or > 100_000)
        {
            yield return $"{SectionName}:BootstrapSamples must be between 100 and 100000";
        }

        if (MaxOutcomeUsd is <= 0 or > 999_999_999m)
        {
            yield return $"{SectionName}:MaxOutcomeUsd must be positive and at most 999999999 (outcome values are summed as DECIMAL(18,9))";
        }
    }
}

/// <summary>Reports every problem with <see cref="VrioOptions"/>.</summary>
public sealed class VrioOptionsValidator : IValidateOptions<VrioOptions>
{
    public ValidateOptionsResult Validate(string? name, VrioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
