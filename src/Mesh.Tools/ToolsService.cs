using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.Tools.Egress;
using Mesh.Tools.Execution;
using Mesh.Tools.Idempotency;
using Mesh.Tools.Pricing;
using Mesh.Tools.Registry;
using Mesh.Tools.Runtimes;
using Mesh.Tools.Sandbox.Workspaces;
using Mesh.Tools.V1;
using Mesh.Tools.Validation;

namespace Mesh.Tools;

/// <summary>Lists the tools a caller may use, runs them on validated arguments, and registers a tenant's own tools.</summary>
public sealed class ToolsService(
    ToolRegistry registry,
    ToolExecutor executor,
    IdempotentCalls idempotent,
    IToolPrices prices,
    ToolRegistrations registrations,
    WorkspaceStore workspaces,
    HttpAllowLists allowLists) : V1.Tools.ToolsBase
{
    /// <summary>The tools the caller's credential may use: a scoped key or token sees the tools of its scope.</summary>
    public override async Task<ListToolsResponse> ListTools(ListToolsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = CallScope.Current?.Caller;
        var response = new ListToolsResponse();
        foreach (var tool in registry.AllOf(caller?.TenantId ?? "").Where(t => caller?.Scope is not { } scope || scope.Allows("tool", t.Descriptor.Name)))
        {
            response.Tools.Add(tool.Descriptor.ToInfo(await prices.PriceOfAsync(tool.Descriptor.BilledAs, context.CancellationToken)));
        }

        return response;
    }

    public override async Task<InvokeToolResponse> InvokeTool(InvokeToolRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var tenant = CallScope.Current?.Caller.TenantId ?? "";
        var tool = registry.Resolve(tenant, request.Tool, request.Version);
        var arguments = ArgumentValidator.Validate(tool, request.ArgumentsJson);
        if (request.IdempotencyKey.Length == 0)
        {
            return await RunAsync(tool, arguments, context.CancellationToken);
        }

        var call = new IdempotentCall(tenant, IdempotencyKey.Check(request.IdempotencyKey), tool.Descriptor.Name,
            RequestFingerprint.Of(tool.Descriptor.Name, request.Version, arguments), tool.Descriptor.Timeout);
        return await idempotent.RunOnceAsync(call, () => RunAsync(tool, arguments, context.CancellationToken), context.CancellationToken);
    }

    public override async Task<ToolInfo> RegisterTool(RegisterToolRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        var descriptor = registrations.Register(caller.TenantId, caller.Subject, request);
        return descriptor.ToInfo(await prices.PriceOfAsync(descriptor.BilledAs, context.CancellationToken));
    }

    public override Task<DeleteToolResponse> DeleteTool(DeleteToolRequest request, ServerCallContext context)
    {
        var caller = CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        return Task.FromResult(new DeleteToolResponse { Deleted = registrations.Delete(caller.TenantId, request) });
    }

    /// <summary>Removes the workspace of the caller's run (or, for the tenant's admins, of any run of the tenant).</summary>
    public override Task<EndRunResponse> EndRun(EndRunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scope = CallScope.Current ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        var runId = request.RunId.Length > 0 ? request.RunId.Trim() : scope.RunId;
        if (runId.Length == 0)
        {
            throw Mesh.ServiceDefaults.Errors.MeshErrors.InvalidArgument("run_id", "is empty and the credential is not a run's token; name the run whose workspace ends");
        }

        return Task.FromResult(new EndRunResponse { Removed = workspaces.End(scope.Caller.TenantId, runId) });
    }

    public override Task<HttpAllowList> SetHttpAllowList(HttpAllowList request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        return Task.FromResult(new HttpAllowList { Hosts = { allowLists.Set(caller.TenantId, request.Hosts) } });
    }

    public override Task<HttpAllowList> GetHttpAllowList(GetHttpAllowListRequest request, ServerCallContext context)
    {
        var caller = CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        return Task.FromResult(new HttpAllowList { Hosts = { allowLists.Get(caller.TenantId) } });
    }

    private async Task<InvokeToolResponse> RunAsync(RegisteredTool tool, System.Text.Json.JsonElement arguments, CancellationToken cancellationToken)
    {
        var outcome = await executor.ExecuteAsync(tool, arguments, cancellationToken);
        return new InvokeToolResponse
        {
            Tool = tool.Descriptor.Name,
            Version = tool.Descriptor.Version,
            ResultJson = outcome.ResultJson,
            DurationMs = outcome.Duration.TotalMilliseconds,
            Stats = outcome.Stats,
        };
    }
}
