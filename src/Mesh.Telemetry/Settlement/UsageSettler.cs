using System.Globalization;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Settlement;

/// <summary>
/// Settles budgets from what was billed, after the events are stored: a reservation at its
/// event's billed cost, and billed work no reservation covered charged to its tenant's,
/// principal's and agent's budgets. Identity settles each reservation and each event once, so
/// a batch stored again (a retry, a replay) settles nothing twice; a failure here fails the
/// batch, which is then delivered again.
/// </summary>
public sealed class UsageSettler(
    Budgets.BudgetsClient budgets,
    IServiceCredentials credentials,
    IOptions<MeshGrpcOptions> grpc,
    IOptions<AuthorizationOptions> authorization,
    TimeProvider time)
{
    private const int MaxPerCall = 2_000;

    /// <summary>Whether budgets are settled at all: a telemetry run alone has no identity, and no budgets to settle.</summary>
    public bool Settles => authorization.Value.Mode == AuthorizationMode.Identity;

    /// <summary>Whether settling touches <paramref name="record"/>: it settles a reservation, or it was billed.</summary>
    public static bool Concerns(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.ReservationId.Length > 0 || record.CostUsd > 0;
    }

    public async Task SettleAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!Settles)
        {
            return;
        }

        var settlements = records.Where(Concerns).Select(ToSettlement).ToList();
        for (var start = 0; start < settlements.Count; start += MaxPerCall)
        {
            var request = new SettleUsageRequest();
            request.Settlements.AddRange(settlements.Skip(start).Take(MaxPerCall));
            try
            {
                var headers = await credentials.HeadersAsync(cancellationToken);
                await budgets.SettleUsageAsync(request, headers, time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                throw MeshErrors.Unavailable($"the usage is stored but its budgets could not be settled: identity is unreachable ({ex.Status.Detail}); deliver the batch again");
            }
        }
    }

    private static UsageSettlement ToSettlement(UsageRecord record) => new()
    {
        ReservationId = record.ReservationId,
        EventId = record.EventId.ToString(),
        CostUsd = record.CostUsd.ToString(CultureInfo.InvariantCulture),
        Tokens = record.InputTokens + record.OutputTokens,
        TenantId = record.TenantId,
        PrincipalId = record.PrincipalId,
        AgentId = record.AgentId,
    };
}
