using Grpc.Core;
using Mesh.Agents.Runs.Engine;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Runs.Watching;
using Mesh.Agents.V1;
using Mesh.Agents.Workflows;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Agents.Runs.Api;

/// <summary>Workflows, and their durable runs: start, look, list, watch, signal, cancel; RunAgent starts one and watches it.</summary>
public sealed partial class AgentsService(
    WorkflowCatalog catalog,
    RunStarter starter,
    IRunStore store,
    RunEventHub hub,
    RunScheduler scheduler,
    RunCosts costs,
    TimeProvider time) : V1.Agents.AgentsBase
{
    public const int MaxInputLength = 4000;
    public const string DefaultAgent = "assistant";

    private static Caller Caller => CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");

    public override async Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        var response = new ListAgentsResponse();
        var workflows = await catalog.ListAsync(Caller.TenantId, context.CancellationToken);
        response.Agents.AddRange(workflows.Select(w => new AgentInfo { Name = w.Stored.Name, Description = w.Definition.Description }));
        return response;
    }

    public override async Task RunAgent(RunAgentRequest request, IServerStreamWriter<RunEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var workflow = string.IsNullOrWhiteSpace(request.Agent) ? DefaultAgent : request.Agent.Trim();
        if (string.IsNullOrWhiteSpace(request.Input))
        {
            throw MeshErrors.InvalidArgument("input", "must not be empty; ask the agent a question");
        }

        if (request.Input.Length > MaxInputLength)
        {
            throw MeshErrors.InvalidArgument("input", $"is {request.Input.Length} characters; the limit is {MaxInputLength}");
        }

        await catalog.ResolveAsync(Caller.TenantId, workflow, 0, context.CancellationToken).ConfigureAwait(false);
        var inputs = new System.Text.Json.Nodes.JsonObject { ["question"] = request.Input.Trim() };
        var run = await starter.StartAsync(new StartRunRequest { Workflow = workflow, InputsJson = inputs.ToJsonString() }, context.CancellationToken);
        await WatchAsync(run, 0, responseStream, context.CancellationToken);
        var ended = await store.GetRunAsync(run.Id, context.CancellationToken);
        if (ended is { Status: RunState.Failed or RunState.Cancelled })
        {
            // The convenience call ends as the run did: its events were streamed, its failure is the call's status.
            var code = Enum.TryParse<StatusCode>(ended.ErrorCode?.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) ? parsed : StatusCode.Aborted;
            throw new RpcException(new Status(code, $"run {ended.Id} {(ended.Status == RunState.Failed ? "failed" : "was cancelled")}: {ended.ErrorMessage}"));
        }
    }

    public override async Task<Workflow> CreateWorkflow(CreateWorkflowRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var created = await catalog.CreateAsync(Caller.TenantId, Caller.PrincipalId, request.Definition, request.Format, context.CancellationToken);
        return WorkflowViews.View(created);
    }

    public override async Task<ListWorkflowsResponse> ListWorkflows(ListWorkflowsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = new ListWorkflowsResponse();
        response.Workflows.AddRange((await catalog.ListAsync(Caller.TenantId, context.CancellationToken)).Select(WorkflowViews.View));
        return response;
    }

    public override async Task<Workflow> GetWorkflow(GetWorkflowRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            throw MeshErrors.InvalidArgument("name", "is empty; name the workflow");
        }

        if (request.Version < 0)
        {
            throw MeshErrors.InvalidArgument("version", $"is {request.Version}; give 0 (the latest) or a version number");
        }

        return WorkflowViews.View(await catalog.ResolveAsync(Caller.TenantId, request.Name.Trim(), request.Version, context.CancellationToken));
    }

    public override async Task<Run> StartRun(StartRunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = await starter.StartAsync(request, context.CancellationToken);
        return RunViews.Summary(run);
    }

    public override async Task<Run> GetRun(GetRunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var run = await FindAsync(request.RunId, context.CancellationToken);
        var events = await store.ReadEventsAsync(run.Id, 0, int.MaxValue, context.CancellationToken);
        var progress = await RunProgress.FoldAsync(events, async hash =>
        {
            var bytes = await store.GetBlobAsync(hash, context.CancellationToken);
            return bytes is null ? null : System.Text.Json.Nodes.JsonNode.Parse(bytes);
        });
        var view = RunViews.Full(run, events, progress);
        view.Cost = await costs.ForAsync(run.Id, DateTimeOffset.FromUnixTimeMilliseconds(run.CreatedAt), context.CancellationToken);
        return view;
    }

    public override async Task<ListRunsResponse> ListRuns(ListRunsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.PageSize is < 0 or > 500)
        {
            throw MeshErrors.InvalidArgument("page_size", $"is {request.PageSize}; give 1 to 500 (0: 50)");
        }

        if (request.PageToken.Length > 0 && !Guid.TryParse(request.PageToken, out _))
        {
            throw MeshErrors.InvalidArgument("page_token", "is not a token this service gave; pass next_page_token of the previous page");
        }

        var size = request.PageSize == 0 ? 50 : request.PageSize;
        var runs = await store.ListRunsAsync(Caller.TenantId, request.Workflow.Length > 0 ? request.Workflow : null, RunViews.State(request.Status),
            request.PageToken.Length > 0 ? request.PageToken : null, size + 1, context.CancellationToken);
        var response = new ListRunsResponse();
        response.Runs.AddRange(runs.Take(size).Select(RunViews.Summary));
        if (runs.Count > size)
        {
            response.NextPageToken = runs[size - 1].Id;
        }

        return response;
    }

    public override async Task WatchRun(WatchRunRequest request, IServerStreamWriter<RunEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.FromSequence < 0)
        {
            throw MeshErrors.InvalidArgument("from_sequence", "must not be negative; 0 watches from the start");
        }

        var run = await FindAsync(request.RunId, context.CancellationToken);
        await WatchAsync(run, request.FromSequence, responseStream, context.CancellationToken);
    }

    public override async Task<Run> SignalRun(SignalRunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(request.Signal))
        {
            throw MeshErrors.InvalidArgument("signal", "is empty; name the signal the run waits for");
        }

        var payload = Payload(request.PayloadJson);
        var run = await FindAsync(request.RunId, context.CancellationToken);
        var signal = request.Signal.Trim();
        if (run.Status != RunState.Waiting || run.WaitingFor != "signal:" + signal)
        {
            throw NotWaiting(run, signal);
        }

        var data = new System.Text.Json.Nodes.JsonObject { ["signal"] = signal, ["payload"] = payload, ["principal"] = Caller.PrincipalId };
        var outcome = await store.SignalAsync(run.Id, signal, new NewEvent(EventTypes.SignalReceived, run.Cursor, data.ToJsonString()), time.GetUtcNow().ToUnixTimeMilliseconds(), context.CancellationToken);
        if (outcome != SignalOutcome.Delivered)
        {
            throw NotWaiting((await store.GetRunAsync(run.Id, context.CancellationToken))!, signal);
        }

        hub.Stored(run.Id);
        scheduler.Kick();
        return RunViews.Summary((await store.GetRunAsync(run.Id, context.CancellationToken))!);
    }

    public override async Task<Run> CancelRun(CancelRunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.Reason.Length > 1000)
        {
            throw MeshErrors.InvalidArgument("reason", $"is {request.Reason.Length} characters; the limit is 1000");
        }

        var run = await FindAsync(request.RunId, context.CancellationToken);
        if (run.IsFinished)
        {
            throw MeshErrors.FailedPrecondition($"run {run.Id} has already ended ({RunViews.Status(run.Status)}); there is nothing to cancel");
        }

        var reason = request.Reason.Length > 0 ? request.Reason : $"cancelled by {Caller.PrincipalId}";
        await store.RequestCancelAsync(run.Id, reason, time.GetUtcNow().ToUnixTimeMilliseconds(), context.CancellationToken);
        scheduler.Cancel(run.Id);
        return RunViews.Summary((await store.GetRunAsync(run.Id, context.CancellationToken))!);
    }

    /// <summary>The caller's run; another tenant's run is NotFound, as one that does not exist.</summary>
    private async Task<RunRecord> FindAsync(string runId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(runId))
        {
            throw MeshErrors.InvalidArgument("run_id", "is empty; give the id StartRun returned");
        }

        var run = Guid.TryParse(runId, out _) ? await store.GetRunAsync(runId.Trim(), cancellationToken) : null;
        return run is not null && run.Tenant == Caller.TenantId
            ? run
            : throw MeshErrors.NotFound("run", runId, "ListRuns shows your tenant's runs");
    }

    private static System.Text.Json.Nodes.JsonNode? Payload(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > RunStarter.MaxInputsLength)
        {
            throw MeshErrors.InvalidArgument("payload_json", $"is {text.Length} characters; the limit is {RunStarter.MaxInputsLength}");
        }

        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw MeshErrors.InvalidArgument("payload_json", $"is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }

    private static RpcException NotWaiting(RunRecord run, string signal) => MeshErrors.FailedPrecondition(
        run.Status == RunState.Waiting && run.WaitingFor.StartsWith("signal:", StringComparison.Ordinal)
            ? $"run {run.Id} waits for signal '{run.WaitingFor["signal:".Length..]}', not '{signal}'"
            : $"run {run.Id} is not waiting for a signal (it is {RunViews.Status(run.Status)}); signal a run while it waits");
}
