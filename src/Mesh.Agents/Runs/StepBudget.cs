using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;

namespace Mesh.Agents.Runs;

/// <summary>
/// Reserves each step's own price against the run caller's budgets before the step runs (the
/// agents service reserves with its own credential, for the caller and the agent acting), so a
/// run spends as it goes and stops at the step a budget cannot cover. The step's usage event
/// carries the reservation; telemetry settles it at the billed cost.
/// </summary>
public sealed class StepBudget(
    Budgets.BudgetsClient budgets,
    IServiceCredentials credentials,
    IOptions<AuthorizationOptions> authorization,
    IOptions<MeshGrpcOptions> grpc,
    TimeProvider time)
{
    public async Task<(string ReservationId, string ReservedUsd)> ReserveAsync(string workflow, string version, CancellationToken cancellationToken)
    {
        if (authorization.Value.Mode != AuthorizationMode.Identity || CallScope.Current is not { } scope)
        {
            return ("", "");
        }

        var request = new ReserveRequest
        {
            Subject = IdentityAccessDecider.SubjectOf(scope.Caller, scope.AgentId),
            MaxUsage = new UsageBound { Resource = workflow, ResourceVersion = version, Calls = 1 },
        };
        try
        {
            var headers = await credentials.HeadersAsync(cancellationToken);
            var reserved = await budgets.ReserveAsync(request, headers, time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
            return (reserved.ReservationId, reserved.ReservedUsd);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw MeshErrors.Unavailable("the step's budget could not be reserved: the identity service is unreachable; retry shortly");
        }
    }
}
