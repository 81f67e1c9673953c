using Grpc.Core;
using Mesh.Pricing;
using Mesh.Security.Authorization;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Authorization;

/// <summary>
/// <c>InvokeTool</c> needs <c>tool:&lt;name&gt;#invoker</c>; it reserves the tool's price for a
/// run as long as its timeout and settles the price of the time it took.
/// </summary>
public sealed class ToolAccessRule(ToolRegistry registry, PriceCatalog prices) : AccessRule<InvokeToolRequest, InvokeToolResponse>
{
    public override string Method => "/mesh.tools.v1.Tools/InvokeTool";

    public override string ResourceType => "tool";

    protected override string ResourceOf(InvokeToolRequest request) => request.Tool.Trim();

    protected override Spend MaxSpend(InvokeToolRequest request, ServerCallContext context)
    {
        var timeout = registry.All.FirstOrDefault(t => string.Equals(t.Descriptor.Name, request.Tool.Trim(), StringComparison.OrdinalIgnoreCase))?.Descriptor.Timeout;
        return PricedSpend.Of(prices, request.Tool.Trim(), 0, 0, (timeout ?? TimeSpan.Zero).TotalMilliseconds);
    }

    protected override Spend SpendOf(InvokeToolResponse response) => PricedSpend.Of(prices, response.Tool, 0, 0, response.DurationMs);
}
