using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Metering.Estimates;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.Tools.Execution;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Mesh.Tools.Validation;

namespace Mesh.Tools.Authorization;

/// <summary>
/// <c>InvokeTool</c> needs <c>tool:&lt;name&gt;#invoker</c> (MCP tools too: <c>tool:&lt;server&gt;/&lt;tool&gt;</c>);
/// it reserves the tool's price for one call: a sandboxed tool using its whole CPU quota for its
/// whole timeout, any other running as long as its recent calls ran (their 99th percentile), or
/// its timeout before it has run.
/// </summary>
public sealed class ToolAccessRule(ToolRegistry registry, ComputeEstimator estimates) : AccessRule<InvokeToolRequest>
{
    public override string Method => "/mesh.tools.v1.Tools/InvokeTool";

    public override string ResourceType => "tool";

    protected override string ResourceOf(InvokeToolRequest request) => request.Tool;

    protected override ValueTask<UsageBound?> MaxUsageAsync(InvokeToolRequest request, ServerCallContext context)
    {
        // Arguments are checked before anything is reserved: a bad call is refused, not metered.
        var registered = registry.Resolve(CallScope.Current?.Caller.TenantId ?? "", request.Tool, request.Version);
        ArgumentValidator.Validate(registered, request.ArgumentsJson);
        var tool = registered.Descriptor;
        var computeMs = tool.Limits is { } limits
            ? tool.Timeout.TotalMilliseconds * Math.Max(limits.CpuCores, 0.01)
            : Math.Min(tool.Timeout.TotalMilliseconds, estimates.Estimate(tool.Name, tool.Version, ToolExecutor.Device, 1) ?? double.MaxValue);
        return ValueTask.FromResult<UsageBound?>(new UsageBound
        {
            Resource = tool.BilledAs,
            ResourceVersion = tool.Version,
            ComputeMs = computeMs,
            Calls = 1,
        });
    }
}
