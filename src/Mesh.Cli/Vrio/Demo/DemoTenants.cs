using Mesh.Telemetry.V1;
using Mesh.Usage.V1;

namespace Mesh.Cli.Vrio.Demo;

/// <summary>
/// The demo's tenants. Their capabilities have different economics on purpose, so that their
/// reports show every VRIO verdict: prices are the mesh's own (each capability billed at its
/// own price or at a price class of the list telemetry ships), values are what the tenants say
/// their outcomes are worth.
/// </summary>
public static class DemoTenants
{
    /// <summary>Days of traffic, ending today: the report's window, the one before it, and the history the oldest capabilities need to count as established.</summary>
    public const int Days = 60;

    private static readonly DemoCall Triage = new("workflow", "ticket-triage", "3", UsageKind.WorkflowStep, "agents", ComputeMin: 0, ComputeMax: 0, QueueMin: 20, QueueMax: 300, Success: 0.999);
    private static readonly DemoCall SupportFt = new("model", "support-ft", "3", UsageKind.ModelCall, "inference", "tiny-gpt",
        InputMin: 1200, InputMax: 2600, OutputMin: 150, OutputMax: 450, ComputeMin: 500, ComputeMax: 1300, Success: 0.998, Device: "cpu");
    private static readonly DemoCall MiniLm = new("model", "all-MiniLM-L6-v2", "24.9.52193", UsageKind.Embedding, "inference",
        InputMin: 200, InputMax: 600, ComputeMin: 60, ComputeMax: 140, Device: "cpu");
    private static readonly DemoCall ArcticXs = new("model", "arctic-embed-xs", "1", UsageKind.Embedding, "inference", "all-MiniLM-L6-v2",
        InputMin: 200, InputMax: 600, ComputeMin: 25, ComputeMax: 60, Device: "cpu");
    private static readonly DemoCall Router = new("tool", "ticket-router", "2", UsageKind.ToolCall, "tools", "sandbox", ComputeMin: 80, ComputeMax: 200, Success: 0.999);
    private static readonly DemoCall VendorOcr = new("tool", "vendor-ocr", "4", UsageKind.ToolCall, "tools", "http", ComputeMin: 400, ComputeMax: 2000, Success: 0.99);
    private static readonly DemoCall Scraper = new("tool", "web-scraper", "1", UsageKind.ToolCall, "tools", "http", ComputeMin: 300, ComputeMax: 4000, Success: 0.82);

    private static readonly DemoCall Review = new("workflow", "literature-review", "2", UsageKind.WorkflowStep, "agents", QueueMin: 20, QueueMax: 400, Success: 0.999);
    private static readonly DemoCall ResearchLlm = new("model", "research-llm", "1", UsageKind.ModelCall, "inference", "tiny-gpt",
        InputMin: 2500, InputMax: 6000, OutputMin: 300, OutputMax: 900, ComputeMin: 900, ComputeMax: 2600, Success: 0.997, Device: "cpu");
    private static readonly DemoCall PaperFetch = new("tool", "paper-fetch", "1", UsageKind.ToolCall, "tools", "http", ComputeMin: 200, ComputeMax: 1500, Success: 0.93);

    public static IReadOnlyList<DemoTenant> All { get; } =
    [
        new DemoTenant(
            "demo-support",
            "a support desk: tickets triaged by a workflow that routes them, searches the knowledge base and answers with a fine-tuned model",
            ["ana", "ben", "chloe", "dmitri"],
            [
                new DemoRuns(Triage, Steps: 3, [new DemoStep(Router), new DemoStep(MiniLm, ArcticXs, TrialShare: 0.4, TrialFromDay: 10), new DemoStep(SupportFt)],
                    PerWorkday: 48, FirstDay: Days, Resolved: 0.88, ValueUsd: 4m, OutcomeName: "ticket"),
            ],
            [
                new DemoStream(VendorOcr, PerWorkday: 25, FirstDay: Days),
                new DemoStream(Scraper, PerWorkday: 30, FirstDay: Days, DenyRate: 0.02),
            ],
            [
                Meta(Triage, "support-platform", "ticket-resolution", Provenance.InHouse, 0.97, 5000, "250"),
                Meta(SupportFt, "support-ml", "answer", Provenance.FineTuned, 0.98, 2500, "60"),
                Meta(MiniLm, "search", "embed", Provenance.OpenModel, 0.98, 500, "10"),
                Meta(ArcticXs, "search", "embed", Provenance.OpenModel, 0.98, 500, "10"),
                // Valuable and rare, and nobody owns or budgets it.
                Meta(Router, "", "routing", Provenance.InHouse, 0.98, 500, ""),
                Meta(VendorOcr, "docs-team", "ocr", Provenance.Licensed, 0.95, 3000, "20"),
                Meta(Scraper, "search", "fetch", Provenance.OpenModel, 0.95, 5000, "15"),
            ]),
        new DemoTenant(
            "demo-research",
            "a research team: literature reviews drafted by an open model from papers a tool of its own fetches",
            ["ines", "omar", "li"],
            [
                new DemoRuns(Review, Steps: 4, [new DemoStep(PaperFetch), new DemoStep(ResearchLlm)],
                    PerWorkday: 14, FirstDay: Days, Resolved: 0.8, ValueUsd: 25m, OutcomeName: "review"),
            ],
            [],
            [
                Meta(Review, "research-ops", "literature-review", Provenance.InHouse, 0.97, 8000, "100"),
                Meta(ResearchLlm, "research-ops", "draft", Provenance.OpenModel, 0.98, 4000, "40"),
                // Owned and budgeted, but it misses its success objective.
                Meta(PaperFetch, "research-ops", "paper-fetch", Provenance.OwnData, 0.99, 2000, "10"),
            ]),
    ];

    private static Capability Meta(DemoCall call, string owner, string category, Provenance provenance, double slo, double p95, string budget) => new()
    {
        // Named without a version: the metadata holds for every version, whichever the registry lists.
        Ref = new CapabilityRef { Kind = call.Kind, Name = call.Name },
        Owner = owner,
        Category = category,
        Provenance = provenance,
        SloSuccessRate = slo,
        SloP95Ms = p95,
        BudgetUsd = budget,
    };
}
