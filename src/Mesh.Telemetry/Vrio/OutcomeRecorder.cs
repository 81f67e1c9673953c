using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;
using Mesh.Usage.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// Checks an outcome and stores it as one usage event of kind outcome, through the same ingest
/// path as every other event. Its event id is derived from the tenant and outcome id, so a
/// repeated outcome is stored once.
/// </summary>
public sealed class OutcomeRecorder(UsageIngestor ingestor, IUsageStore store, VrioFactsReader reader, CapabilityCatalog catalog, IOptions<VrioOptions> options, TimeProvider time)
{
    public async Task<RecordOutcomeResponse> RecordAsync(Outcome outcome, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(caller);
        var value = Validate(outcome, options.Value);
        var now = time.GetUtcNow().UtcDateTime;
        var at = outcome.OccurredAt?.ToDateTime() ?? now;
        if (at > now.AddMinutes(5))
        {
            throw MeshErrors.InvalidArgument("occurred_at", "is in the future; leave it unset for now");
        }

        var usageEvent = new UsageEvent
        {
            EventId = EventId(caller.TenantId, outcome.OutcomeId).ToString(),
            OccurredAt = Timestamp.FromDateTime(at),
            TenantId = caller.TenantId,
            PrincipalId = caller.PrincipalId,
            AgentId = caller.ActorId ?? "",
            Service = "telemetry",
            Kind = UsageKind.Outcome,
            Status = outcome.Success ? UsageStatus.Ok : UsageStatus.Error,
            Attributes = { ["outcome_id"] = outcome.OutcomeId },
        };
        if (value is { } usd)
        {
            usageEvent.Attributes["value_usd"] = usd.ToString("0.#########", CultureInfo.InvariantCulture);
        }

        if (outcome.HasScore)
        {
            usageEvent.Attributes["score"] = outcome.Score.ToString("R", CultureInfo.InvariantCulture);
        }

        if (outcome.RunId.Length > 0)
        {
            await RequireRunAsync(caller.TenantId, outcome.RunId, cancellationToken);
            usageEvent.RunId = outcome.RunId;
        }
        else
        {
            var key = CapabilityKey.From(outcome.Capability, "capability");
            await RequireCapabilityAsync(caller.TenantId, key, cancellationToken);
            usageEvent.Resource = key.Name;
            usageEvent.ResourceVersion = key.Version;
            usageEvent.Attributes["capability_kind"] = key.Kind;
        }

        var delivery = await ingestor.IngestAsync([usageEvent], cancellationToken);
        if (delivery.Rejected.Count > 0)
        {
            throw MeshErrors.InvalidArgument("outcome", delivery.Rejected[0].Reason);
        }

        return new RecordOutcomeResponse { EventId = usageEvent.EventId, Duplicate = delivery.Duplicates > 0 };
    }

    /// <summary>The outcome's value, or InvalidArgument naming what to fix.</summary>
    public static decimal? Validate(Outcome outcome, VrioOptions options)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(options);
        if (outcome.OutcomeId.Trim().Length == 0 || outcome.OutcomeId.Length > 128)
        {
            throw MeshErrors.InvalidArgument("outcome_id", "give the outcome your own id of 1 to 128 characters (a repeat of it is stored once)");
        }

        if ((outcome.RunId.Length > 0) == (outcome.Capability is not null))
        {
            throw MeshErrors.InvalidArgument("run_id", "name either the run (run_id) or the capability (capability) the outcome is of, not both and not neither");
        }

        if (outcome.HasScore && !(outcome.Score is >= 0 and <= 1))
        {
            throw MeshErrors.InvalidArgument("score", $"must be between 0 and 1; got {outcome.Score.ToString(CultureInfo.InvariantCulture)}");
        }

        if (outcome.ValueUsd.Length == 0)
        {
            return null;
        }

        if (!decimal.TryParse(outcome.ValueUsd, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw MeshErrors.InvalidArgument("value_usd", $"'{outcome.ValueUsd}' is not a decimal number of USD, such as 4 or 12.50");
        }

        if (value < 0 || value > options.MaxOutcomeUsd)
        {
            throw MeshErrors.InvalidArgument("value_usd", $"must be between 0 and {options.MaxOutcomeUsd.ToString(CultureInfo.InvariantCulture)} USD (Mesh:Telemetry:Vrio:MaxOutcomeUsd); got {outcome.ValueUsd}");
        }

        // Kept like costs, to the nano-dollar: the stores sum values as DECIMAL(18,9).
        if (Math.Round(value, 9) != value)
        {
            throw MeshErrors.InvalidArgument("value_usd", $"has more than 9 decimal places; got {outcome.ValueUsd}");
        }

        return value;
    }

    public static Guid EventId(string tenantId, string outcomeId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"outcome\0{tenantId}\0{outcomeId}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    private async Task RequireRunAsync(string tenantId, string runId, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var sql = $"SELECT COUNT(*) FROM {d.AnalyticsSource} WHERE tenant_id = {d.Bind(parameters, tenantId)} AND run_id = {d.Bind(parameters, runId)} AND kind <> 'outcome'";
        var rows = await store.ReadAsync(new SqlStatement(sql, parameters), SqlReadLimits.Internal, cancellationToken);
        if (rows.Rows.Count == 0 || rows.Rows[0][0] is null or "0")
        {
            throw MeshErrors.NotFound("run", runId, "no usage of your tenant belongs to that run; use the run id mesh runs shows");
        }
    }

    private async Task RequireCapabilityAsync(string tenantId, CapabilityKey key, CancellationToken cancellationToken)
    {
        if ((await reader.UsedAsync(tenantId, DateTime.UnixEpoch, time.GetUtcNow().UtcDateTime.AddMinutes(5), cancellationToken))
            .Any(k => k.Kind == key.Kind && k.Name == key.Name && (key.Version.Length == 0 || k.Version == key.Version)))
        {
            return;
        }

        var listing = await catalog.ListAsync(tenantId, [], cancellationToken);
        if (!listing.Capabilities.Keys.Any(k => k.Kind == key.Kind && k.Name == key.Name && (key.Version.Length == 0 || k.Version == key.Version)))
        {
            throw MeshErrors.NotFound("capability", key.ToString(), "it is in no registry you can see and your tenant has not used it; list them with mesh vrio capabilities");
        }
    }
}
