using System.Globalization;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>
/// Four weeks of one tenant's usage (two 14-day windows) with capabilities of different
/// economics, so each VRIO verdict has one capability that earns it.
/// </summary>
public static class VrioData
{
    public static readonly DateTime Now = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The metadata each capability's owner sets.</summary>
    public static IReadOnlyList<Capability> Metadata { get; } =
    [
        Meta("model", "support-ft", "answer", Provenance.FineTuned, owner: "support-team", budget: "50"),
        Meta("model", "public-llm", "answer", Provenance.PublicApi, owner: "platform", budget: "50"),
        Meta("tool", "ticket-router", "triage", Provenance.InHouse, owner: "", budget: ""),
        Meta("tool", "vendor-ocr", "ocr", Provenance.Licensed, owner: "docs-team", budget: "20"),
        Meta("model", "legacy-embed", "embed", Provenance.OpenModel, owner: "search", budget: "10"),
        Meta("tool", "new-tool", "misc", Provenance.InHouse, owner: "x", budget: "1"),
    ];

    /// <summary>The verdict each capability should get over the last 14 days of <see cref="Records"/>.</summary>
    public static IReadOnlyDictionary<string, Verdict> Expected { get; } = new Dictionary<string, Verdict>
    {
        ["support-ft"] = Verdict.SustainedAdvantage,
        ["public-llm"] = Verdict.CompetitiveParity,
        ["ticket-router"] = Verdict.UnusedAdvantage,
        ["vendor-ocr"] = Verdict.TemporaryAdvantage,
        ["legacy-embed"] = Verdict.CompetitiveDisadvantage,
        ["new-tool"] = Verdict.NotEnoughEvidence,
    };

    public static List<UsageRecord> Records(string tenant = "acme")
    {
        var records = new List<UsageRecord>();
        var n = 0;
        // The fine-tuned model and the router have been in production for 50 days.
        records.Add(Call(tenant, "model_call", "support-ft", Now.AddDays(-50), 0.01m, "ok", "alice", $"{tenant}-old-run", ref n));
        records.Add(Call(tenant, "tool_call", "ticket-router", Now.AddDays(-50), 0.001m, "ok", "alice", "", ref n));
        for (var day = 1; day <= 28; day++)
        {
            var start = Now.AddDays(-day).AddHours(9);
            for (var i = 0; i < 10; i++)
            {
                var at = start.AddMinutes(i * 7);
                var principal = i % 2 == 0 ? "alice" : "bob";
                // support-ft: a run each, every one resolves a ticket worth $1 at $0.01.
                var run = $"{tenant}-sft-{day}-{i}";
                records.Add(Call(tenant, "model_call", "support-ft", at, 0.01m, "ok", principal, run, ref n));
                records.Add(Audit(tenant, "model:support-ft", at, "ok", ref n));
                records.Add(Outcome(tenant, run, null, at.AddSeconds(30), success: true, 1m, ref n));
                // public-llm: 90% success, $0.50 per success, $0.02 a call.
                var llmRun = $"{tenant}-llm-{day}-{i}";
                var ok = i != 0;
                records.Add(Call(tenant, "model_call", "public-llm", at, 0.02m, ok ? "ok" : "error", principal, llmRun, ref n));
                records.Add(Audit(tenant, "model:public-llm", at, "ok", ref n));
                records.Add(Outcome(tenant, llmRun, null, at.AddSeconds(30), ok, 0.5m, ref n));
                // ticket-router: valuable and rare, but nobody owns or budgets it.
                records.Add(Call(tenant, "tool_call", "ticket-router", at, 0.001m, "ok", principal, "", ref n));
                records.Add(Audit(tenant, "tool:ticket-router", at, "ok", ref n));
                records.Add(Outcome(tenant, "", new CapabilityKey("tool", "ticket-router", ""), at.AddSeconds(5), true, 0.2m, ref n));
                // vendor-ocr: licensed, no substitute, succeeds always (no outcomes: the proxy).
                records.Add(Call(tenant, "tool_call", "vendor-ocr", at, 0.002m, "ok", principal, "", ref n));
                records.Add(Audit(tenant, "tool:vendor-ocr", at, "ok", ref n));
                // legacy-embed: $0.05 a call for outcomes worth $0.01.
                var embedRun = $"{tenant}-emb-{day}-{i}";
                records.Add(Call(tenant, "embedding", "legacy-embed", at, 0.05m, "ok", principal, embedRun, ref n));
                records.Add(Audit(tenant, "model:legacy-embed", at, "ok", ref n));
                records.Add(Outcome(tenant, embedRun, null, at.AddSeconds(30), true, 0.01m, ref n));
            }
        }

        for (var i = 0; i < 3; i++)
        {
            records.Add(Call(tenant, "tool_call", "new-tool", Now.AddHours(-5 - i), 0.001m, "ok", "alice", "", ref n));
        }

        return records;
    }

    public static Capability Meta(string kind, string name, string category, Provenance provenance, string owner, string budget) => new()
    {
        Ref = new CapabilityRef { Kind = kind, Name = name },
        Category = category,
        Provenance = provenance,
        Owner = owner,
        BudgetUsd = budget,
        SloSuccessRate = name == "public-llm" ? 0.85 : 0.95,
        SloP95Ms = 1000,
    };

    public static UsageRecord Call(string tenant, string kind, string resource, DateTime at, decimal cost, string status, string principal, string run, ref int n) => new()
    {
        EventId = Id(tenant, ref n),
        OccurredAt = at,
        TenantId = tenant,
        PrincipalId = principal,
        RunId = run,
        Service = kind == "tool_call" ? "tools" : "inference",
        Kind = kind,
        Resource = resource,
        ResourceVersion = "1",
        Device = "cpu",
        ComputeMs = 100,
        TotalMs = 200,
        BatchSize = 1,
        Status = status,
        CostUsd = cost,
        PriceVersion = "test",
        TraceId = "trace" + n.ToString(CultureInfo.InvariantCulture),
    };

    public static UsageRecord Audit(string tenant, string resource, DateTime at, string status, ref int n) => new()
    {
        EventId = Id(tenant, ref n),
        OccurredAt = at,
        TenantId = tenant,
        PrincipalId = "alice",
        Service = "inference",
        Kind = "audit",
        Resource = resource,
        Status = status,
    };

    public static UsageRecord Outcome(string tenant, string run, CapabilityKey? capability, DateTime at, bool success, decimal value, ref int n) => new()
    {
        EventId = Id(tenant, ref n),
        OccurredAt = at,
        TenantId = tenant,
        PrincipalId = "alice",
        RunId = run,
        Service = "telemetry",
        Kind = "outcome",
        Resource = capability?.Name ?? "",
        ResourceVersion = capability?.Version ?? "",
        Status = success ? "ok" : "error",
        Attributes = capability is { } c
            ? $"{{\"capability_kind\":\"{c.Kind}\",\"value_usd\":\"{value.ToString(CultureInfo.InvariantCulture)}\"}}"
            : $"{{\"value_usd\":\"{value.ToString(CultureInfo.InvariantCulture)}\"}}",
    };

    private static Guid Id(string tenant, ref int n)
    {
        n++;
        return OutcomeRecorder.EventId(tenant, "seed-" + n.ToString(CultureInfo.InvariantCulture));
    }
}
