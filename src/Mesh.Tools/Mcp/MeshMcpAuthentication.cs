using System.Security.Claims;
using Grpc.Core;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Tools.Mcp;

/// <summary>
/// Mesh's MCP endpoint takes Mesh credentials: <c>Authorization: Bearer &lt;API key or token&gt;</c>
/// (and <c>x-mesh-tenant</c> for mesh admins), checked the way every gRPC call is. A request without
/// a valid credential gets 401 and nothing of the registry.
/// </summary>
public sealed class MeshMcpAuthentication(RequestDelegate next, ICallerAuthenticator authenticator)
{
    public const string AuthorizationClaim = "mesh:authorization";
    public const string TenantClaim = "mesh:tenant";

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var authorization = context.Request.Headers.Authorization.ToString();
        var tenant = context.Request.Headers[MeshHeaders.Tenant].ToString();
        var headers = new Metadata();
        if (authorization.Length > 0)
        {
            headers.Add(MeshHeaders.Authorization, authorization);
        }

        if (tenant.Length > 0)
        {
            headers.Add(MeshHeaders.Tenant, tenant);
        }

        var result = await authenticator.AuthenticateAsync(headers, context.RequestAborted);
        if (result.Caller is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mesh\"";
            await context.Response.WriteAsJsonAsync(new { error = result.Failure ?? "not authenticated", hint = "send Authorization: Bearer <Mesh API key or token>" }, context.RequestAborted);
            return;
        }

        var claims = new List<Claim> { new(AuthorizationClaim, authorization), new(ClaimTypes.NameIdentifier, result.Caller.Subject) };
        if (tenant.Length > 0)
        {
            claims.Add(new Claim(TenantClaim, tenant));
        }

        context.User = new ClaimsPrincipal(new ClaimsIdentity(claims, "mesh"));
        await next(context);
    }
}
