using Mesh.Agents.Runs.Engine;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Agents.Workflows.Expressions;

namespace Mesh.Agents.Runs.Steps;

/// <summary>One attempt of a step: the step, the values it can read, its id in the run (<c>id</c> or <c>id[index]</c>), and its idempotency key.</summary>
public sealed record StepInvocation(RunSession Run, StepDefinition Step, string StepId, Scope Scope, int Attempt, string IdempotencyKey)
{
    /// <summary>Renders a field of the step as a template.</summary>
    public System.Text.Json.Nodes.JsonNode? Render(string field)
    {
        try
        {
            return Template.RenderJson(Step.Node(field), Scope);
        }
        catch (ExpressionException ex)
        {
            throw StepFailureException.Expression($"{Step.Path}.{field}", ex);
        }
    }

    public string RenderText(string field) => Workflows.Expressions.Values.Text(Render(field));
}
