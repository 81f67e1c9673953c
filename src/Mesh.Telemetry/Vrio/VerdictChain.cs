using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// Barney's VRIO chain: not valuable, disadvantage; valuable only, parity; and rare, temporary
/// advantage; and hard to imitate but not organized, unused advantage; all four, sustained
/// advantage. An indicator without enough evidence stops the chain there.
/// </summary>
public static class VerdictChain
{
    public static Verdict Judge(Indicator value, Indicator rarity, Indicator imitability, Indicator organization)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(rarity);
        ArgumentNullException.ThrowIfNull(imitability);
        ArgumentNullException.ThrowIfNull(organization);
        if (!value.Sufficient)
        {
            return Verdict.NotEnoughEvidence;
        }

        if (!value.Met)
        {
            return Verdict.CompetitiveDisadvantage;
        }

        if (!rarity.Sufficient)
        {
            return Verdict.NotEnoughEvidence;
        }

        if (!rarity.Met)
        {
            return Verdict.CompetitiveParity;
        }

        if (!imitability.Sufficient)
        {
            return Verdict.NotEnoughEvidence;
        }

        if (!imitability.Met)
        {
            return Verdict.TemporaryAdvantage;
        }

        return organization.Met ? Verdict.SustainedAdvantage : Verdict.UnusedAdvantage;
    }

    /// <summary>The two-window rule: the verdict changes only when two consecutive windows agree; otherwise the earlier stands.</summary>
    public static Verdict Settle(Verdict current, Verdict previous) =>
        current == previous || previous == Verdict.Unspecified ? current : previous;

    public static string Name(Verdict verdict) => verdict switch
    {
        Verdict.NotEnoughEvidence => "not enough evidence",
        Verdict.CompetitiveDisadvantage => "competitive disadvantage",
        Verdict.CompetitiveParity => "competitive parity",
        Verdict.TemporaryAdvantage => "temporary advantage",
        Verdict.UnusedAdvantage => "unused advantage",
        Verdict.SustainedAdvantage => "sustained advantage",
        _ => "unspecified",
    };
}
