using System.Text.Json.Nodes;
using Mesh.Agents.Workflows.Definitions;

namespace Mesh.Agents.Runs.Steps;

/// <summary><c>set</c>: writes values computed from inputs and state into the state. No call, no side effect.</summary>
public sealed class SetStep : IStepHandler
{
    public string Kind => StepKinds.Set;

    public Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var values = invocation.Render("values") as JsonObject ?? [];
        return Task.FromResult(new StepResult(values, $"set {string.Join(", ", values.Select(p => p.Key))}") { Changes = values });
    }
}
