using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Agents.Runs;

/// <summary>Lists agents and runs them, streaming each run's events.</summary>
public sealed class AgentsService(IEnumerable<IAgent> agents, RunCredentials credentials, TimeProvider time) : V1.Agents.AgentsBase
{
    public const int MaxInputLength = 4000;
    public const string DefaultAgent = "assistant";

    public override Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        var response = new ListAgentsResponse();
        response.Agents.AddRange(agents.Select(a => new AgentInfo { Name = a.Name, Description = a.Description }));
        return Task.FromResult(response);
    }

    public override async Task RunAgent(RunAgentRequest request, IServerStreamWriter<RunEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var agent = Find(string.IsNullOrWhiteSpace(request.Agent) ? DefaultAgent : request.Agent.Trim());
        if (string.IsNullOrWhiteSpace(request.Input))
        {
            throw MeshErrors.InvalidArgument("input", "must not be empty; ask the agent a question");
        }

        if (request.Input.Length > MaxInputLength)
        {
            throw MeshErrors.InvalidArgument("input", $"is {request.Input.Length} characters; the limit is {MaxInputLength}");
        }

        var runId = Guid.CreateVersion7(time.GetUtcNow()).ToString();
        var runScope = await credentials.ForRunAsync(agent, runId, context.CancellationToken);
        using (CallScope.Enter(runScope))
        {
            await agent.RunAsync(request.Input.Trim(), new RunStream(responseStream, runId, time), context.CancellationToken);
        }
    }

    private IAgent Find(string name) =>
        agents.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw MeshErrors.NotFound("agent", name, $"available agents: {string.Join(", ", agents.Select(a => a.Name))}");
}
