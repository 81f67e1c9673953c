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
