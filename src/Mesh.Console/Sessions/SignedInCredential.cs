using Grpc.Core;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;
using Mesh.Console.Options;

namespace Mesh.Console.Sessions;

/// <summary>
/// Every call the console makes to a service carries the signed-in user's credential and, for a
/// mesh admin, the tenant chosen: the services authorize the person, not the console, so a
/// page can show nothing the same key could not read with the <c>mesh</c> command. A call made
/// outside a signed-in request carries no credential and is refused by the service.
/// </summary>
public sealed class SignedInCredential(IHttpContextAccessor accessor, IOptions<ConsoleOptions> options, TimeProvider time) : IOutgoingCallEnricher
{
    public const string TenantHeader = "x-mesh-tenant";

    public CallOptions Enrich(CallOptions call)
    {
        var headers = call.Headers ?? [];
        var context = accessor.HttpContext;
        if (headers.Get("authorization") is null && context is not null && ConsoleSession.From(context.User) is { } session)
        {
            headers.Add("authorization", $"Bearer {session.Credential}");
            if (session.TenantHeader is { } tenant)
            {
                headers.Add(TenantHeader, tenant);
            }
        }

        call = call.WithHeaders(headers);
        if (call.Deadline is null)
        {
            call = call.WithDeadline(time.GetUtcNow().UtcDateTime + options.Value.RequestTimeout);
        }

        return context is not null && call.CancellationToken == default ? call.WithCancellationToken(context.RequestAborted) : call;
    }
}
