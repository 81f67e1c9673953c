namespace Mesh.Agents.Knowledge;

/// <summary>The small knowledge set the assistant answers from: what Mesh is and how it works.</summary>
public static class BuiltInKnowledge
{
    public const string Name = "mesh-handbook";

    public static IReadOnlyList<KnowledgeDocument> Documents { get; } =
    [
        new("mesh", "What Mesh is",
            "Mesh is an AI infrastructure mesh: five gRPC services (identity, inference, tools, agents and telemetry) where agent workloads run, are governed and are paid for."),
        new("inference", "Inference",
            "The inference service serves ONNX models on ONNX Runtime, on CUDA when a GPU is present and on the CPU otherwise. It embeds text with all-MiniLM-L6-v2 into 384-dimensional vectors."),
        new("embedding-cost", "What an embedding costs",
            "An embedding is priced per input token from the price catalog: all-MiniLM-L6-v2 costs 0.02 USD per million input tokens plus device time, so a short question costs a fraction of a micro-dollar."),
        new("tools", "Tools",
            "The tools service runs registered tools such as the calculator. Every tool declares a JSON Schema for its arguments, a timeout and a side-effect class, and arguments are validated before the tool runs."),
        new("agents", "Agents",
            "The agents service runs agents step by step: embed the question, search the knowledge set, call tools when needed, and answer, streaming every step to the caller."),
        new("telemetry", "Telemetry and usage",
            "Every model call, tool call and agent step emits a usage event. Telemetry prices each event from the price catalog and stores it, once per event id, in DuckDB or ClickHouse for cost analytics."),
        new("identity", "Identity",
            "Every call to Mesh is authenticated with an API key or token in the authorization metadata; tenants never see each other's data or costs."),
        new("vrio", "VRIO",
            "VRIO is how Mesh judges each capability, whether a model, a tool or a workflow: telemetry's VRIO report (mesh vrio) measures Value as recorded outcome value per dollar of full cost, Rarity as provenance and close substitutes in its category, Imitability as proprietary provenance, days in production and the saving of moving its traffic to the best substitute, and Organization as owner, budget and SLO met, checked, metered and traced calls, adoption and deny rate. Each verdict, from disadvantage to sustained advantage, shows its evidence, or says there is not enough."),
    ];
}
