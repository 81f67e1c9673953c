using System.Text.Json.Nodes;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Agents.Workflows.Expressions;

namespace Mesh.Agents.Runs.Steps;

/// <summary><c>branch</c>: the first case whose condition holds names the next step; else the default (or the end).</summary>
public sealed class BranchStep : IStepHandler
{
    public string Kind => StepKinds.Branch;

    public Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var cases = invocation.Step.Node("cases") as JsonArray ?? [];
        for (var i = 0; i < cases.Count; i++)
        {
            var branch = (JsonObject)cases[i]!;
            var when = branch["when"]!.GetValue<string>();
            bool holds;
            try
            {
                holds = Values.IsTrue(Evaluator.Evaluate(Parser.Parse(when), invocation.Scope));
            }
            catch (ExpressionException ex)
            {
                throw StepFailureException.Expression($"{invocation.Step.Path}.cases[{i}].when", ex);
            }

            if (holds)
            {
                var next = branch["next"]!.GetValue<string>();
                return Task.FromResult(new StepResult(new JsonObject { ["case"] = i, ["next"] = next }, $"case {i} ({when}) holds: {next}") { Next = next, Name = next });
            }
        }

        var fallback = invocation.Step.String("default");
        return Task.FromResult(new StepResult(new JsonObject { ["case"] = "default", ["next"] = fallback }, $"no case holds: {fallback ?? "end"}")
        {
            Next = fallback ?? "",
            Name = fallback ?? "end",
        });
    }
}
