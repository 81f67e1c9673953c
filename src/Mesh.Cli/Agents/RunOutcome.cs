using Mesh.Agents.V1;

namespace Mesh.Cli.Agents;

/// <summary>What a streamed run produced: its id, its steps and, when it finished, its result.</summary>
public sealed record RunOutcome(string RunId, IReadOnlyList<StepCompleted> Steps, RunCompleted? Completed);
