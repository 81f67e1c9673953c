using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Runs.Engine;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.V1;
using Mesh.Agents.Workflows;
using Mesh.Agents.Workflows.Definitions;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Agents.Runs.Api;

/// <summary>
/// Starts runs: checks the request and the inputs against the workflow's schema, pins the
/// workflow and its subworkflows to the versions of now, mints the run's token, and stores the
/// run with its first events. A start retried with the same client request id answers the run
/// it started (and refuses other inputs under that id); nothing is stored for a bad request.
/// </summary>
public sealed class RunStarter(IRunStore store, WorkflowCatalog catalog, RunCredentials credentials, RunScheduler scheduler, TimeProvider time)
{
    public const int MaxRequestIdLength = 128;
    public const int MaxInputsLength = 1 << 20;

    public async Task<RunRecord> StartAsync(StartRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");
        if (string.IsNullOrWhiteSpace(request.Workflow))
        {
            throw MeshErrors.InvalidArgument("workflow", "is empty; name the workflow to run (ListWorkflows shows them)");
        }

        if (request.Version < 0)
        {
            throw MeshErrors.InvalidArgument("version", $"is {request.Version}; give 0 (the latest) or a version number");
        }

        if (request.ClientRequestId.Length > MaxRequestIdLength)
        {
            throw MeshErrors.InvalidArgument("client_request_id", $"is {request.ClientRequestId.Length} characters; the limit is {MaxRequestIdLength}");
        }

        if (request.MaxSteps < 0 || request.DeadlineSeconds < 0)
        {
            throw MeshErrors.InvalidArgument(request.MaxSteps < 0 ? "max_steps" : "deadline_seconds", "must not be negative; 0 takes the workflow's limit");
        }

        var inputs = ParseInputs(request.InputsJson);
        var resolved = await catalog.ResolveAsync(caller.TenantId, request.Workflow.Trim(), request.Version, cancellationToken);
        var definition = resolved.Definition;
        var violations = SchemaCheck.Violations(definition.Inputs.ToJsonString(), inputs);
        if (violations.Count > 0)
        {
            throw MeshErrors.InvalidArgument("inputs_json", $"does not match the inputs of workflow '{definition.Name}' version {resolved.Stored.Version}: {string.Join("; ", violations)}");
        }

        var maxSteps = request.MaxSteps > 0 ? Math.Min(request.MaxSteps, definition.Limits.MaxSteps) : definition.Limits.MaxSteps;
        var deadline = request.DeadlineSeconds > 0 ? TimeSpan.FromSeconds(Math.Min(request.DeadlineSeconds, definition.Limits.Deadline.TotalSeconds)) : definition.Limits.Deadline;
        var inputsJson = inputs.ToJsonString();
        var digest = Digest($"{definition.Name}\n{resolved.Stored.Version}\n{inputsJson}\n{maxSteps}\n{(long)deadline.TotalSeconds}");
        var requestId = request.ClientRequestId.Length > 0 ? request.ClientRequestId : null;
        if (requestId is not null && await ExistingAsync(caller.TenantId, requestId, digest, cancellationToken) is { } existing)
        {
            return existing;
        }

        var pins = await catalog.PinAsync(caller.TenantId, definition, cancellationToken);
        var now = time.GetUtcNow();
        var runId = Guid.CreateVersion7(now).ToString();
        var scope = await credentials.ForRunAsync(definition.Name, pins.Tools, pins.Models, runId, deadline, cancellationToken);
        var run = new RunRecord
        {
            Id = runId,
            Tenant = caller.TenantId,
            PrincipalId = caller.PrincipalId,
            PrincipalKind = Caller.KindName(caller.Kind),
            IsAdmin = caller.IsAdmin,
            TenantHeader = CallScope.Current?.TenantHeader ?? "",
            Workflow = definition.Name,
            Version = resolved.Stored.Version,
            Pins = pins.Versions.ToJsonString(),
            Status = RunState.Pending,
            InputsJson = inputsJson,
            ClientRequestId = requestId,
            RequestDigest = digest,
            CreatedAt = now.ToUnixTimeMilliseconds(),
            UpdatedAt = now.ToUnixTimeMilliseconds(),
            Deadline = (now + deadline).ToUnixTimeMilliseconds(),
            MaxSteps = maxSteps,
            Cursor = definition.Start,
            Credential = scope.Authorization,
        };
        var events = new List<NewEvent>
        {
            new(EventTypes.RunStarted, "", new JsonObject { ["workflow"] = definition.Name, ["version"] = run.Version, ["inputs"] = inputs.DeepClone() }.ToJsonString()),
            new(EventTypes.StepStarted, definition.Start, RunExecutor.StepStartedData(definition.Find(definition.Start)!, 1).ToJsonString()),
        };
        var (stored, created) = await store.CreateRunAsync(run, events, cancellationToken);
        if (!created)
        {
            return Same(stored, digest, requestId!);
        }

        scheduler.Kick();
        return stored;
    }

    private async Task<RunRecord?> ExistingAsync(string tenant, string requestId, string digest, CancellationToken cancellationToken)
    {
        var existing = await store.FindByRequestAsync(tenant, requestId, cancellationToken);
        return existing is null ? null : Same(existing, digest, requestId);
    }

    private static RunRecord Same(RunRecord existing, string digest, string requestId) =>
        existing.RequestDigest == digest ? existing
        : throw new RpcException(new Status(StatusCode.AlreadyExists,
            $"client_request_id '{requestId}' already started run {existing.Id} with other inputs or limits; use a new request id for a new run"));

    private static JsonObject ParseInputs(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        if (text.Length > MaxInputsLength)
        {
            throw MeshErrors.InvalidArgument("inputs_json", $"is {text.Length} characters; the limit is {MaxInputsLength}");
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw MeshErrors.InvalidArgument("inputs_json", "must be a JSON object of the workflow's inputs");
        }
        catch (JsonException ex)
        {
            throw MeshErrors.InvalidArgument("inputs_json", $"is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
