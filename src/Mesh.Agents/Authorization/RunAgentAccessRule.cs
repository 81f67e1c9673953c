using Mesh.Agents.Runs.Api;
using Mesh.Agents.V1;
using Mesh.Security.Authorization;

namespace Mesh.Agents.Authorization;

/// <summary>
/// <c>RunAgent</c> needs <c>agent:&lt;workflow&gt;#invoker</c>. It reserves nothing up front: each step
/// reserves its own price as it goes (see <see cref="Runs.StepBudget"/>), and the models and tools a
/// run calls reserve theirs, as the run's caller, where they run.
/// </summary>
public sealed class RunAgentAccessRule : AccessRule<RunAgentRequest>
{
    public override string Method => "/mesh.agents.v1.Agents/RunAgent";

    public override string ResourceType => "agent";

    protected override string ResourceOf(RunAgentRequest request) =>
        string.IsNullOrWhiteSpace(request.Agent) ? AgentsService.DefaultAgent : request.Agent;
}

/// <summary><c>StartRun</c> needs <c>agent:&lt;workflow&gt;#invoker</c>; like RunAgent, its steps reserve as they go.</summary>
public sealed class StartRunAccessRule : AccessRule<StartRunRequest>
{
    public override string Method => "/mesh.agents.v1.Agents/StartRun";

    public override string ResourceType => "agent";

    protected override string ResourceOf(StartRunRequest request) => request.Workflow.Trim();
}

/// <summary>
/// <c>CreateWorkflow</c> needs <c>agent:&lt;name&gt;#editor</c> on the name the document gives:
/// open to members until a relation restricts it, so a tenant admin can keep who publishes new
/// versions of a workflow others run to the people named. A document whose name cannot be read
/// is checked as <c>agent:-</c> and refused with its problems by the handler.
/// </summary>
public sealed class CreateWorkflowAccessRule : AccessRule<CreateWorkflowRequest>
{
    public override string Method => "/mesh.agents.v1.Agents/CreateWorkflow";

    public override string ResourceType => "agent";

    public override string Relation => "editor";

    protected override string ResourceOf(CreateWorkflowRequest request) =>
        request.Definition.Length <= Workflows.Definitions.DocumentLoader.MaxLength
        && Workflows.Definitions.DocumentLoader.Load(request.Definition, request.Format, out _)?["name"] is System.Text.Json.Nodes.JsonValue name
        && name.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text)
            ? text.Trim()
            : "-";
}
