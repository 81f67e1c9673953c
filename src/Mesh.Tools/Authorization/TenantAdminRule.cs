using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Tools.Authorization;

/// <summary>
/// An RPC that changes what a whole tenant has (its registered tools, MCP servers, knowledge
/// sets, HTTP allow-list) needs <c>tenant:&lt;tenant&gt;#admin</c>; delegated credentials (scoped
/// keys, agents' tokens) never pass it.
/// </summary>
public sealed class TenantAdminRule<TRequest>(string method) : AccessRule<TRequest>
    where TRequest : class
{
    public override string Method => method;

    public override string ResourceType => "tenant";

    public override string Relation => "admin";

    protected override string ResourceOf(TRequest request) => CallScope.Current?.Caller.TenantId ?? "";
}
