namespace Mesh.Tools.Knowledge;

/// <summary>
/// The mesh's built-in knowledge set: what Mesh is and how it works, the handbook the assistant
/// agent answers from. Readable by every tenant (knowledge_search with set "mesh-handbook").
/// </summary>
public static class MeshHandbook
{
    public const string Name = "mesh-handbook";

    public const string Description = "What Mesh is and how its services work.";

    public static IReadOnlyList<(string Id, string Title, string Text)> Documents { get; } =
    [
        ("mesh", "What Mesh is",
            "Mesh is an AI infrastructure mesh: five gRPC services (identity, inference, tools, agents and telemetry) where agent workloads run, are governed and are paid for."),
        ("inference", "Inference",
            "The inference service serves ONNX models on ONNX Runtime, on CUDA when a GPU is present and on the CPU otherwise. It embeds text with all-MiniLM-L6-v2 into 384-dimensional vectors."),
        ("embedding-cost", "What an embedding costs",
            "An embedding is priced per input token from the price catalog: all-MiniLM-L6-v2 costs 0.02 USD per million input tokens plus device time, so a short question costs a fraction of a micro-dollar."),
        ("tools", "Tools",
            "The tools service runs registered tools such as the calculator. Every tool declares a JSON Schema for its arguments, a timeout and a side-effect class, and arguments are validated before the tool runs."),
        ("agents", "Agents",
            "The agents service runs agents step by step: embed the question, search the knowledge set, call tools when needed, and answer, streaming every step to the caller."),
        ("telemetry", "Telemetry and usage",
            "Every model call, tool call and agent step emits a usage event. Telemetry prices each event from the price catalog and stores it, once per event id, in DuckDB or ClickHouse for cost analytics."),
        ("identity", "Identity",
            "Every call to Mesh is authenticated with an API key or token in the authorization metadata; tenants never see each other's data or costs."),
        ("vrio", "VRIO",
            "Mesh judges each capability, whether a model, a tool or a workflow, by Value, Rarity, Imitability and Organization, using its measured cost and outcomes."),
    ];
}
