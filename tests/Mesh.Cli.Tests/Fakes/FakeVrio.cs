using System.Collections.Concurrent;
using Grpc.Core;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>A Vrio service that answers one fixed report and keeps the outcomes it is sent.</summary>
public sealed class FakeVrio : Telemetry.V1.Vrio.VrioBase
{
    public ConcurrentQueue<Outcome> Outcomes { get; } = new();

    /// <summary>The report to answer instead of the fixed one.</summary>
    public VrioReport? Report { get; set; }

    public override Task<VrioReport> GetReport(VrioReportRequest request, ServerCallContext context)
    {
        if (Report is { } given)
        {
            return Task.FromResult(given);
        }

        var value = new Indicator { Name = "value", Sufficient = true, Met = true, Score = 100, Formula = "value per dollar", Threshold = "lower bound >= 1", Evidence = { new Evidence { Name = "full cost (USD)", Value = "$1.4" } } };
        var no = new Indicator { Name = "rarity", Sufficient = true, Met = false, Reason = "public API: anyone can have it" };
        var report = new VrioReport { From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(new DateTime(2026, 2, 15, 0, 0, 0, DateTimeKind.Utc)), To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc)), Thresholds = new VrioThresholds { MinValuePerUsd = 1 } };
        report.Capabilities.Add(new CapabilityAssessment
        {
            Capability = new Capability { Ref = new CapabilityRef { Kind = "model", Name = "public-llm", Version = "1" } },
            Value = value,
            Rarity = no,
            Imitability = new Indicator { Name = "imitability" },
            Organization = new Indicator { Name = "organization" },
            Verdict = Verdict.CompetitiveParity,
            WindowVerdict = Verdict.CompetitiveParity,
            Action = "competitive parity: a commodity",
            Calls = 140,
        });
        return Task.FromResult(report);
    }

    public override Task<RecordOutcomeResponse> RecordOutcome(Outcome request, ServerCallContext context)
    {
        Outcomes.Enqueue(request);
        return Task.FromResult(new RecordOutcomeResponse { EventId = "e", Duplicate = Outcomes.Count > 1 });
    }
}
