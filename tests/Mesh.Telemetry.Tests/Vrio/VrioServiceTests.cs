using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>The Vrio service over its real DuckDB store: verdicts from seeded usage and outcomes, isolation and bad input.</summary>
public sealed class VrioServiceTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TelemetryHost _host = new(new DateTimeOffset(VrioData.Now), new Dictionary<string, string?> { ["Mesh:Telemetry:Vrio:ReadRegistries"] = "false" });
    private readonly V1.Vrio.VrioClient _vrio;

    public VrioServiceTests() => _vrio = new V1.Vrio.VrioClient(_host.Channel);

    public void Dispose() => _host.Dispose();

    private async Task SeedAsync(string tenant = "acme", string key = TestKeys.Acme)
    {
        var store = _host.Services.GetRequiredService<IUsageStore>();
        await store.InsertAsync(VrioData.Records(tenant), CancellationToken.None).WaitAsync(Timeout);
        foreach (var capability in VrioData.Metadata)
        {
            await _vrio.SetCapabilityAsync(capability, TestCalls.As(key)).ResponseAsync.WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task GetReport_SeededMonth_EveryVerdictWithEvidence()
    {
        await SeedAsync();

        var report = await _vrio.GetReportAsync(new VrioReportRequest(), TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);

        var verdicts = report.Capabilities.ToDictionary(c => c.Capability.Ref.Name, c => c.Verdict);
        Assert.Equal(VrioData.Expected.OrderBy(p => p.Key), verdicts.OrderBy(p => p.Key));
        var support = report.Capabilities.Single(c => c.Capability.Ref.Name == "support-ft");
        Assert.False(support.Value.Proxy);
        Assert.Equal(100, support.Value.Score, 6);
        Assert.Contains(support.Value.Evidence, e => e.Name == "value, cost-share attribution (USD)" && e.Value == "$140");
        Assert.Equal(1.0, report.Thresholds.MinValuePerUsd);
        var ocr = report.Capabilities.Single(c => c.Capability.Ref.Name == "vendor-ocr");
        Assert.True(ocr.Value.Proxy);
        var llm = report.Capabilities.Single(c => c.Capability.Ref.Name == "public-llm");
        Assert.Contains("support-ft", llm.Rarity.Evidence.Single(e => e.Name == "close substitutes").Value, StringComparison.Ordinal);
        var router = report.Capabilities.Single(c => c.Capability.Ref.Name == "ticket-router");
        Assert.Contains("no owner", router.Action, StringComparison.Ordinal);
        var fresh = report.Capabilities.Single(c => c.Capability.Ref.Name == "new-tool");
        Assert.False(fresh.Value.Sufficient);
        Assert.Contains("3 calls < 100", fresh.Value.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetReport_CallsThatNamedNoModel_AreNoCapability()
    {
        await SeedAsync();
        var n = 1_000_000;
        // A call refused before it named a model (an unknown model, a malformed request) is metered with no resource.
        var refused = Enumerable.Range(0, 3).Select(i => VrioData.Call("acme", "model_call", "", VrioData.Now.AddHours(-i - 1), 0m, "error", "alice", "", ref n)).ToList();
        await _host.Services.GetRequiredService<IUsageStore>().InsertAsync(refused, CancellationToken.None).WaitAsync(Timeout);

        var report = await _vrio.GetReportAsync(new VrioReportRequest(), TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);

        Assert.DoesNotContain(report.Capabilities, c => c.Capability.Ref.Name.Length == 0);
        Assert.Equal(VrioData.Expected.Keys.Order(), report.Capabilities.Select(c => c.Capability.Ref.Name).Where(VrioData.Expected.ContainsKey).Order());
    }

    [Fact]
    public async Task GetReport_OtherTenant_SeesNoneOfAcmesCapabilities()
    {
        await SeedAsync();

        var report = await _vrio.GetReportAsync(new VrioReportRequest(), TestCalls.As(TestKeys.Globex)).ResponseAsync.WaitAsync(Timeout);
        var get = await Assert.ThrowsAsync<RpcException>(() => _vrio.GetCapabilityAsync(
            new GetCapabilityRequest { Ref = new CapabilityRef { Kind = "tool", Name = "ticket-router", Version = "1" } }, TestCalls.As(TestKeys.Globex)).ResponseAsync.WaitAsync(Timeout));
        var set = await Assert.ThrowsAsync<RpcException>(() => _vrio.SetCapabilityAsync(
            VrioData.Meta("tool", "ticket-router", "triage", Provenance.InHouse, "bob", "1"), TestCalls.As(TestKeys.Globex)).ResponseAsync.WaitAsync(Timeout));
        var outcome = await Assert.ThrowsAsync<RpcException>(() => _vrio.RecordOutcomeAsync(
            new Outcome { OutcomeId = "o-1", RunId = "acme-sft-1-1", Success = true }, TestCalls.As(TestKeys.Globex)).ResponseAsync.WaitAsync(Timeout));

        Assert.Empty(report.Capabilities);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Equal(StatusCode.NotFound, set.StatusCode);
        Assert.Equal(StatusCode.NotFound, outcome.StatusCode);
    }

    [Fact]
    public async Task RecordOutcome_SameOutcomeIdTwice_StoredAndCountedOnce()
    {
        await SeedAsync();
        var outcome = new Outcome { OutcomeId = "ticket-4711", RunId = "acme-sft-1-1", Success = true, ValueUsd = "4", Score = 0.8, OccurredAt = Timestamp.FromDateTime(VrioData.Now.AddHours(-1)) };

        var first = await _vrio.RecordOutcomeAsync(outcome, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);
        var second = await _vrio.RecordOutcomeAsync(outcome, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);
        var report = await _vrio.GetReportAsync(new VrioReportRequest { Kind = "model", Name = "support-ft" }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(first.EventId, second.EventId);
        var value = report.Capabilities.Single().Value;
        Assert.Equal("141 (141)", value.Evidence.Single(e => e.Name == "outcomes (successful)").Value);
        Assert.Equal("$144", value.Evidence.Single(e => e.Name == "value, cost-share attribution (USD)").Value);
    }

    [Fact]
    public async Task RecordOutcome_OfACapabilityCall_CountsForIt()
    {
        await SeedAsync();

        await _vrio.RecordOutcomeAsync(new Outcome { OutcomeId = "ocr-1", Capability = new CapabilityRef { Kind = "tool", Name = "vendor-ocr" }, Success = true, ValueUsd = "2.5", OccurredAt = Timestamp.FromDateTime(VrioData.Now.AddHours(-1)) },
            TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);
        var report = await _vrio.GetReportAsync(new VrioReportRequest { Name = "vendor-ocr" }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);

        var value = report.Capabilities.Single().Value;
        Assert.Equal("$2.5", value.Evidence.Single(e => e.Name == "value, cost-share attribution (USD)").Value);
        Assert.True(value.Proxy); // one outcome is below the minimum of 20
    }

    [Theory]
    [InlineData("", "acme-sft-1-1", "", "outcome_id")]
    [InlineData("o", "", "", "run_id")]
    [InlineData("o", "acme-sft-1-1", "-3", "value_usd")]
    [InlineData("o", "acme-sft-1-1", "2000000", "value_usd")]
    [InlineData("o", "acme-sft-1-1", "four", "value_usd")]
    [InlineData("o", "acme-sft-1-1", "0.0000000001", "value_usd")]
    public async Task RecordOutcome_BadInput_InvalidArgumentNamingTheField(string id, string run, string value, string field)
    {
        await SeedAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => _vrio.RecordOutcomeAsync(
            new Outcome { OutcomeId = id, RunId = run, ValueUsd = value, Success = true }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordOutcome_UnknownRunOrCapability_NotFoundSayingWhatIsMissing()
    {
        await SeedAsync();

        var run = await Assert.ThrowsAsync<RpcException>(() => _vrio.RecordOutcomeAsync(
            new Outcome { OutcomeId = "o", RunId = "no-such-run", Success = true }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout));
        var capability = await Assert.ThrowsAsync<RpcException>(() => _vrio.RecordOutcomeAsync(
            new Outcome { OutcomeId = "o", Capability = new CapabilityRef { Kind = "model", Name = "nope" }, Success = true }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout));
        var score = await Assert.ThrowsAsync<RpcException>(() => _vrio.RecordOutcomeAsync(
            new Outcome { OutcomeId = "o", RunId = "acme-sft-1-1", Score = 7 }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout));

        Assert.Equal(StatusCode.NotFound, run.StatusCode);
        Assert.Contains("no-such-run", run.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, capability.StatusCode);
        Assert.Contains("model:nope", capability.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, score.StatusCode);
    }

    [Fact]
    public async Task SetCapability_BadMetadata_InvalidArgumentAndNothingStored()
    {
        await SeedAsync();
        var bad = VrioData.Meta("model", "support-ft", "answer", Provenance.FineTuned, "me", "-5");

        var budget = await Assert.ThrowsAsync<RpcException>(() => _vrio.SetCapabilityAsync(bad, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout));
        var kind = await Assert.ThrowsAsync<RpcException>(() => _vrio.SetCapabilityAsync(
            new Capability { Ref = new CapabilityRef { Kind = "robot", Name = "x" } }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout));
        var listed = await _vrio.GetCapabilityAsync(new GetCapabilityRequest { Ref = new CapabilityRef { Kind = "model", Name = "support-ft", Version = "1" } }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);

        Assert.Equal(StatusCode.InvalidArgument, budget.StatusCode);
        Assert.StartsWith("budget_usd:", budget.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("ref.kind:", kind.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(("support-team", "50"), (listed.Owner, listed.BudgetUsd));
        Assert.Equal(["metadata", "usage"], listed.SeenIn.Order());
    }

    [Fact]
    public async Task GetReport_EmptyWindow_NotEnoughEvidenceNeverAMadeUpVerdict()
    {
        await SeedAsync();

        var report = await _vrio.GetReportAsync(new VrioReportRequest { From = Timestamp.FromDateTime(VrioData.Now.AddDays(-200)), To = Timestamp.FromDateTime(VrioData.Now.AddDays(-186)) },
            TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(Timeout);

        Assert.NotEmpty(report.Capabilities);
        Assert.All(report.Capabilities, c => Assert.Equal(Verdict.NotEnoughEvidence, c.Verdict));
    }
}
