using System.Text.Json.Nodes;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Agents.Workflows.Expressions;
using Mesh.Tools.V1;

namespace Mesh.Agents.Runs.Engine;

/// <summary>A run being executed: its record, its pinned definition, where it stands, and what it has looked up.</summary>
public sealed class RunSession(RunRecord run, WorkflowDefinition definition, RunProgress progress, LiveEvents live, Tools.V1.Tools.ToolsClient tools)
{
    private Dictionary<string, ToolInfo>? _tools;

    public RunRecord Run { get; set; } = run;

    public WorkflowDefinition Definition => definition;

    public RunProgress Progress { get; set; } = progress;

    public LiveEvents Live => live;

    public JsonNode? Inputs { get; } = JsonNode.Parse(run.InputsJson);

    /// <summary>What the run's expressions can read.</summary>
    public Scope Scope() => new Scope(Inputs, Progress.State)
        .With("run", new JsonObject { ["id"] = Run.Id, ["workflow"] = Run.Workflow, ["version"] = Run.Version });

    /// <summary>A tool as the run's credential sees it (listed once per execution); null when it is not there.</summary>
    public async Task<ToolInfo?> ToolAsync(Tools.V1.Tools.ToolsClient client, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_tools is null)
        {
            var listed = await client.ListToolsAsync(new ListToolsRequest(), cancellationToken: cancellationToken);
            _tools = listed.Tools.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Last(), StringComparer.OrdinalIgnoreCase);
        }

        return _tools.GetValueOrDefault(name);
    }

    public async Task<bool> ToolAvailableAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await ToolAsync(tools, name, cancellationToken) is not null;
        }
        catch (Grpc.Core.RpcException)
        {
            return false;
        }
    }

    /// <summary>The step's id in keys and usage: its id, with the visit when a loop runs it again.</summary>
    public string StepKey(string stepId)
    {
        var visit = Progress.Visits.GetValueOrDefault(stepId) + 1;
        return visit == 1 ? stepId : $"{stepId}.{visit}";
    }
}
