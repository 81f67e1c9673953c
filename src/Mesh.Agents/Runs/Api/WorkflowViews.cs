using Mesh.Agents.V1;
using Mesh.Agents.Workflows;

namespace Mesh.Agents.Runs.Api;

public static class WorkflowViews
{
    public static Workflow View(ResolvedWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var view = new Workflow
        {
            Name = workflow.Stored.Name,
            Version = workflow.Stored.Version,
            Description = workflow.Definition.Description,
            DefinitionJson = workflow.Stored.DefinitionJson,
            CreatedAt = RunViews.Time(workflow.Stored.CreatedAt),
            CreatedBy = workflow.Stored.CreatedBy,
            BuiltIn = workflow.BuiltIn,
            Steps = workflow.Definition.Steps.Count,
            LatestVersion = workflow.Stored.LatestVersion,
            Digest = workflow.Stored.Digest,
        };
        view.Tools.AddRange(workflow.Definition.Tools);
        view.Models.AddRange(workflow.Definition.Models);
        return view;
    }
}
