using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Grpc;

namespace Mesh.Security;

/// <summary>
/// On outgoing calls made while serving a call: carries the original caller's credential and
/// the run context to the next service.
/// </summary>
public sealed class CallerPropagation : IOutgoingCallEnricher
{
    public CallOptions Enrich(CallOptions call)
    {
        if (CallScope.Current is not { } scope)
        {
            return call;
        }

        var headers = call.Headers ?? [];
        AddIfMissing(headers, MeshHeaders.Authorization, scope.Authorization);
        AddIfMissing(headers, MeshHeaders.Tenant, scope.TenantHeader);
        AddIfMissing(headers, MeshHeaders.Agent, scope.AgentId);
        AddIfMissing(headers, MeshHeaders.Run, scope.RunId);
        AddIfMissing(headers, MeshHeaders.Step, scope.StepId);
        return call.WithHeaders(headers);
    }

    private static void AddIfMissing(Metadata headers, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value) && headers.Get(key) is null)
        {
            headers.Add(key, value);
        }
    }
}
