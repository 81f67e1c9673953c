using Grpc.Core;
using Mesh.Agents.Runs;
using Mesh.Agents.V1;
using Mesh.Pricing;
using Mesh.Security.Authorization;

namespace Mesh.Agents.Authorization;

/// <summary>
/// <c>RunAgent</c> needs <c>agent:&lt;name&gt;#invoker</c>; it reserves the agent's own price for
/// the most steps a run may take and settles the steps it took. The models and tools a run
/// calls reserve their own spend, as the same caller, where they run.
/// </summary>
public sealed class RunAgentAccessRule(PriceCatalog prices) : AccessRule<RunAgentRequest, RunEvent>
{
    public const int MaxStepsReserved = 16;

    public override string Method => "/mesh.agents.v1.Agents/RunAgent";

    public override string ResourceType => "agent";

    protected override string ResourceOf(RunAgentRequest request) =>
        string.IsNullOrWhiteSpace(request.Agent) ? AgentsService.DefaultAgent : request.Agent.Trim().ToLowerInvariant();

    protected override Spend MaxSpend(RunAgentRequest request, ServerCallContext context)
    {
        var step = PricedSpend.Of(prices, ResourceOf(request), 0, 0, 0);
        return new Spend(step.CostUsd * MaxStepsReserved, 0);
    }

    protected override void Observe(RunEvent response, SpendMeter meter)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(meter);
        if (response.EventCase == RunEvent.EventOneofCase.Started)
        {
            meter.Context = response.Started.Agent;
        }
        else if (response.EventCase == RunEvent.EventOneofCase.Step)
        {
            meter.Add(PricedSpend.Of(prices, meter.Context, 0, 0, 0));
        }
    }
}
