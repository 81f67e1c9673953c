using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.Tools.Execution;
using Mesh.Tools.Idempotency;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Mesh.Tools.Validation;

namespace Mesh.Tools;

/// <summary>Lists the registered tools (those the caller may use) and runs them on validated arguments.</summary>
public sealed class ToolsService(ToolRegistry registry, ToolExecutor executor, IdempotentCalls idempotent) : V1.Tools.ToolsBase
{
    /// <summary>The tools the caller's credential may use: a scoped key or token sees the tools of its scope.</summary>
    public override Task<ListToolsResponse> ListTools(ListToolsRequest request, ServerCallContext context)
    {
        var scope = CallScope.Current?.Caller.Scope;
        var response = new ListToolsResponse();
        response.Tools.AddRange(registry.All
            .Where(t => scope is null || scope.Allows("tool", t.Descriptor.Name))
            .Select(t => t.Descriptor.ToInfo()));
        return Task.FromResult(response);
    }

    public override async Task<InvokeToolResponse> InvokeTool(InvokeToolRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var tool = registry.Resolve(request.Tool, request.Version);
        var arguments = ArgumentValidator.Validate(tool, request.ArgumentsJson);
        if (request.IdempotencyKey.Length == 0)
        {
            return await RunAsync(tool, arguments, context.CancellationToken);
        }

        var tenant = CallScope.Current?.Caller.TenantId ?? "";
        var call = new IdempotentCall(tenant, IdempotencyKey.Check(request.IdempotencyKey), tool.Descriptor.Name,
            RequestFingerprint.Of(tool.Descriptor.Name, request.Version, arguments), tool.Descriptor.Timeout);
        return await idempotent.RunOnceAsync(call, () => RunAsync(tool, arguments, context.CancellationToken), context.CancellationToken);
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
        };
    }
}
