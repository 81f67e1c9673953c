using Mesh.Telemetry.V1;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>The indicators and the verdict chain on constructed facts: each verdict reachable, thresholds respected, the two-window rule.</summary>
public sealed class VrioIndicatorTests
{
    private static readonly DateTime To = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly CapabilityKey Model = new("model", "m", "1");
    private static readonly CapabilityKey Other = new("model", "other", "1");

    /// <summary>Facts per capability: 14 days of 10 calls at its cost per call, each its own run with an outcome worth its value.</summary>
    private static VrioFacts Facts(params (CapabilityKey Key, decimal CostPerCall, decimal ValuePerOutcome, double SuccessRate, int FirstUseDaysAgo)[] capabilities)
    {
        var facts = new VrioFacts { From = To.AddDays(-14), To = To };
        var runs = new Dictionary<string, ReferenceAttribution.Run>(StringComparer.Ordinal);
        var outcomes = new List<ReferenceAttribution.RunOutcome>();
        foreach (var (key, costPerCall, valuePerOutcome, successRate, firstUse) in capabilities)
        {
            var calls = 140L;
            var ok = (long)Math.Round(calls * successRate);
            facts.Usage[key] = new CapabilityUsage(key) { Calls = calls, Ok = ok, CostUsd = costPerCall * calls, Principals = 3, Traced = calls, Priced = calls, P95Ms = 100, Days = 14 };
            facts.DailyCost[key] = Enumerable.Range(0, 14).ToDictionary(d => 20_500L + d, _ => costPerCall * 10);
            facts.Audits[$"{key.Kind}:{key.Name}"] = (calls, 0);
            facts.History[key with { Version = "" }] = new CapabilityHistory(To.AddDays(-firstUse), 1, calls, calls);
            for (var i = 0; i < calls; i++)
            {
                var run = $"{key.Name}-{i}";
                runs[run] = new(20_500L + (i % 14), new() { [key] = costPerCall });
                if (valuePerOutcome > 0)
                {
                    outcomes.Add(new(run, i < ok, valuePerOutcome, 20_500L + (i % 14)));
                }
            }
        }

        ReferenceAttribution.Apply(facts, runs, outcomes);
        return facts;
    }

    private static Capability Meta(CapabilityKey key, Provenance provenance, string owner = "team", string budget = "10", string category = "answer") => new()
    {
        Ref = key.ToRef(), Category = category, Provenance = provenance, Owner = owner, BudgetUsd = budget, SloSuccessRate = 0.9, SloP95Ms = 500,
    };

    private static CapabilityAssessment Assess(VrioFacts facts, CapabilityKey key, VrioOptions? options = null, params Capability[] metadata)
    {
        var capabilities = metadata.ToDictionary(m => CapabilityKey.Of(m.Ref));
        var o = options ?? new VrioOptions();
        return VrioAssessor.Assess(facts, capabilities, VrioReporter.Gaps(facts, capabilities, o), o).Single(a => CapabilityKey.Of(a.Capability.Ref) == key);
    }

    [Fact]
    public void Assess_OutcomesWorthLessThanCost_Disadvantage()
    {
        var a = Assess(Facts((Model, 0.1m, 0.05m, 1, 60)), Model, null, Meta(Model, Provenance.FineTuned));

        Assert.Equal(Verdict.CompetitiveDisadvantage, a.WindowVerdict);
        Assert.Equal(0.5, a.Value.Score, 6);
    }

    [Fact]
    public void Assess_MinValuePerUsdThreshold_DecidesValuable()
    {
        var facts = Facts((Model, 0.1m, 0.25m, 1, 60));

        var valuable = Assess(facts, Model, new VrioOptions { MinValuePerUsd = 2.5 }, Meta(Model, Provenance.FineTuned));
        var not = Assess(facts, Model, new VrioOptions { MinValuePerUsd = 2.6 }, Meta(Model, Provenance.FineTuned));

        Assert.True(valuable.Value.Met);
        Assert.False(not.Value.Met);
        Assert.Equal(Verdict.CompetitiveDisadvantage, not.WindowVerdict);
    }

    [Fact]
    public void Assess_CommodityProvenance_Parity()
    {
        var a = Assess(Facts((Model, 0.01m, 1m, 1, 60)), Model, null, Meta(Model, Provenance.PublicApi));

        Assert.Equal(Verdict.CompetitiveParity, a.WindowVerdict);
        Assert.True(a.Rarity.Sufficient);
    }

    [Fact]
    public void Assess_CheaperEqualSubstitute_ParityWithSubstitutionAction()
    {
        var facts = Facts((Model, 0.02m, 1m, 1, 60), (Other, 0.01m, 1m, 1, 60));

        var a = Assess(facts, Model, null, Meta(Model, Provenance.FineTuned), Meta(Other, Provenance.OpenModel));

        Assert.Equal(Verdict.CompetitiveParity, a.WindowVerdict);
        Assert.Equal(1, a.Rarity.Score);
        Assert.StartsWith("replay shows m -> model:other@1 saves 50% at equal success: competitive parity", a.Action, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_SubstituteWithin90Percent_CountsAsCloseAtTheRatio()
    {
        // other's value per dollar is 90% of m's: close at ratio 0.9, not at 0.91.
        var facts = Facts((Model, 0.01m, 1m, 1, 60), (Other, 0.01m, 0.9m, 1, 60));
        var metadata = new[] { Meta(Model, Provenance.FineTuned), Meta(Other, Provenance.OpenModel) };

        Assert.Equal(1, Assess(facts, Model, new VrioOptions { CloseSubstituteRatio = 0.9 }, metadata).Rarity.Score);
        Assert.Equal(0, Assess(facts, Model, new VrioOptions { CloseSubstituteRatio = 0.91 }, metadata).Rarity.Score);
    }

    [Fact]
    public void Assess_RareButLicensed_TemporaryAdvantage()
    {
        var a = Assess(Facts((Model, 0.01m, 1m, 1, 60)), Model, null, Meta(Model, Provenance.Licensed));

        Assert.Equal(Verdict.TemporaryAdvantage, a.WindowVerdict);
    }

    [Fact]
    public void Assess_ProprietaryButYoung_TemporaryUntilMinDaysInProduction()
    {
        var young = Assess(Facts((Model, 0.01m, 1m, 1, 20)), Model, null, Meta(Model, Provenance.OwnData));
        var established = Assess(Facts((Model, 0.01m, 1m, 1, 20)), Model, new VrioOptions { MinDaysInProduction = 20 }, Meta(Model, Provenance.OwnData));

        Assert.Equal(Verdict.TemporaryAdvantage, young.WindowVerdict);
        Assert.Equal(Verdict.SustainedAdvantage, established.WindowVerdict);
    }

    [Fact]
    public void Assess_NoBudget_UnusedAdvantage()
    {
        var a = Assess(Facts((Model, 0.01m, 1m, 1, 60)), Model, null, Meta(Model, Provenance.InHouse, budget: ""));

        Assert.Equal(Verdict.UnusedAdvantage, a.WindowVerdict);
        Assert.Contains("no budget", a.Organization.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_SloMissed_UnusedAdvantage()
    {
        // 85% success against a 90% objective (value still measured from outcomes).
        var a = Assess(Facts((Model, 0.01m, 1m, 0.85, 60)), Model, null, Meta(Model, Provenance.InHouse));

        Assert.Equal(Verdict.UnusedAdvantage, a.WindowVerdict);
        Assert.Contains("SLO missed", a.Organization.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_AllFour_SustainedAdvantage()
    {
        var a = Assess(Facts((Model, 0.01m, 1m, 1, 60)), Model, null, Meta(Model, Provenance.FineTuned));

        Assert.Equal(Verdict.SustainedAdvantage, a.WindowVerdict);
        Assert.Empty(a.Weaknesses);
    }

    [Fact]
    public void Assess_FewerCallsThanMinimum_NotEnoughEvidence()
    {
        var a = Assess(Facts((Model, 0.01m, 1m, 1, 60)), Model, new VrioOptions { MinCalls = 141 }, Meta(Model, Provenance.FineTuned));

        Assert.Equal(Verdict.NotEnoughEvidence, a.WindowVerdict);
        Assert.Contains("140 calls < 141", a.Value.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_NoProvenance_NotEnoughEvidenceForRarity()
    {
        var a = Assess(Facts((Model, 0.01m, 1m, 1, 60)), Model, null, Meta(Model, Provenance.Unspecified));

        Assert.Equal(Verdict.NotEnoughEvidence, a.WindowVerdict);
        Assert.False(a.Rarity.Sufficient);
    }

    [Fact]
    public void Assess_FewOutcomes_ValueByProxyMarkedAsProxy()
    {
        var a = Assess(Facts((Model, 0.01m, 0m, 0.97, 60)), Model, null, Meta(Model, Provenance.FineTuned));

        Assert.True(a.Value.Proxy);
        Assert.True(a.Value.Met);
        Assert.False(Assess(Facts((Model, 0.01m, 0m, 0.9, 60)), Model, null, Meta(Model, Provenance.FineTuned)).Value.Met);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    public void Assess_NoCostInWindow_NotEnoughEvidenceWithReason(double valuePerOutcome)
    {
        var a = Assess(Facts((Model, 0m, (decimal)valuePerOutcome, 1, 60)), Model, null, Meta(Model, Provenance.FineTuned));

        Assert.Equal(Verdict.NotEnoughEvidence, a.WindowVerdict);
        Assert.False(a.Value.Sufficient);
        Assert.Contains("$0 full cost", a.Value.Reason, StringComparison.Ordinal);
        Assert.Contains(a.Value.Evidence, e => e.Name == "not enough evidence" && e.Value.Contains("value per dollar cannot be judged", StringComparison.Ordinal));
        Assert.Contains("keep it running and measured", a.Action, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_SomeCostInWindow_NoZeroCostReason()
    {
        var a = Assess(Facts((Model, 0.01m, 1m, 1, 60)), Model, null, Meta(Model, Provenance.FineTuned));

        Assert.True(a.Value.Sufficient);
        Assert.DoesNotContain(a.Value.Evidence, e => e.Name == "not enough evidence");
    }

    [Fact]
    public void Economics_RunOfTwoCapabilities_ValueSplitByCostShareAndEqually()
    {
        var facts = new VrioFacts { From = To.AddDays(-1), To = To };
        ReferenceAttribution.Apply(facts, new Dictionary<string, ReferenceAttribution.Run> { ["r"] = new(1, new() { [Model] = 0.03m, [Other] = 0.01m }) }, [new("r", true, 4m, 1)]);

        var economics = CapabilityEconomics.Compute(facts);

        Assert.Equal((3m, 2m), (economics[Model].ValueUsd, economics[Model].ValueEqualSplitUsd));
        Assert.Equal((1m, 2m), (economics[Other].ValueUsd, economics[Other].ValueEqualSplitUsd));
    }

    [Fact]
    public void BootstrapLowerBound_DaysInAnotherOrder_SameBound()
    {
        var days = Enumerable.Range(0, 14).Select(d => (Day: 20_500L + d, Value: 1m + (d % 5), Cost: 0.5m + (d % 3))).ToList();
        CapabilityEconomics Economics(IEnumerable<(long Day, decimal Value, decimal Cost)> order) => new(Model)
        {
            FullCostUsd = days.Sum(d => d.Cost),
            ValueUsd = days.Sum(d => d.Value),
            Days = order.ToDictionary(d => d.Day, d => (d.Value, d.Cost)),
        };

        var forward = Economics(days).BootstrapLowerBound(1000, 0.05);
        var backward = Economics(Enumerable.Reverse(days)).BootstrapLowerBound(1000, 0.05);

        Assert.NotNull(forward);
        Assert.Equal(forward, backward);
    }

    [Theory]
    [InlineData(Verdict.SustainedAdvantage, Verdict.SustainedAdvantage, Verdict.SustainedAdvantage)]
    [InlineData(Verdict.SustainedAdvantage, Verdict.CompetitiveParity, Verdict.CompetitiveParity)]
    [InlineData(Verdict.CompetitiveParity, Verdict.NotEnoughEvidence, Verdict.NotEnoughEvidence)]
    public void Settle_TwoWindows_ChangesOnlyWhenTheyAgree(Verdict current, Verdict previous, Verdict expected) =>
        Assert.Equal(expected, VerdictChain.Settle(current, previous));
}
