using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Analytics;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Vrio;

/// <summary>Capability metadata, outcomes and the VRIO report of the caller's tenant.</summary>
public sealed class VrioService(CapabilityCatalog catalog, CapabilityStore store, OutcomeRecorder outcomes, VrioReporter reporter, VrioFactsReader reader, IOptions<VrioOptions> options, TimeProvider time)
    : V1.Vrio.VrioBase
{
    public override async Task<Capability> SetCapability(Capability request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        var key = CapabilityKey.From(request.Ref, "ref");
        var capability = Validate(request.Clone());
        var listing = await catalog.ListAsync(caller.TenantId, [], context.CancellationToken);
        if (!listing.Capabilities.Keys.Any(k => k.Kind == key.Kind && k.Name == key.Name && (key.Version.Length == 0 || k.Version == key.Version))
            && !await UsedAsync(caller.TenantId, key, context.CancellationToken))
        {
            throw MeshErrors.NotFound("capability", key.ToString(), "it is in no registry you can see and your tenant has not used it; list them with mesh vrio capabilities");
        }

        var now = time.GetUtcNow().UtcDateTime;
        capability.Ref = key.ToRef();
        capability.UpdatedAt = Timestamp.FromDateTime(now);
        capability.UpdatedBy = caller.PrincipalId;
        capability.SeenIn.Clear();
        await store.SaveAsync(caller.TenantId, capability, now, context.CancellationToken);
        return capability;
    }

    public override async Task<Capability> GetCapability(GetCapabilityRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        var key = CapabilityKey.From(request.Ref, "ref");
        var listing = await ListAsync(caller.TenantId, context.CancellationToken);
        return listing.Capabilities.GetValueOrDefault(key)
            ?? throw MeshErrors.NotFound("capability", key.ToString(), "list them with mesh vrio capabilities");
    }

    public override async Task<ListCapabilitiesResponse> ListCapabilities(ListCapabilitiesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var kind = request.Kind.Trim().ToLowerInvariant();
        if (kind.Length > 0 && !CapabilityKey.Kinds.Contains(kind))
        {
            throw MeshErrors.InvalidArgument("kind", $"'{request.Kind}' is not a capability kind; use model, tool or workflow, or leave it empty");
        }

        var listing = await ListAsync(Caller().TenantId, context.CancellationToken);
        var response = new ListCapabilitiesResponse();
        response.Capabilities.AddRange(listing.Capabilities.Where(p => kind.Length == 0 || p.Key.Kind == kind)
            .OrderBy(p => p.Key.Kind, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal).ThenBy(p => p.Key.Version, StringComparer.Ordinal).Select(p => p.Value));
        response.Notes.AddRange(listing.Notes);
        return response;
    }

    public override Task<RecordOutcomeResponse> RecordOutcome(Outcome request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return outcomes.RecordAsync(request, Caller(), context.CancellationToken);
    }

    public override async Task<VrioReport> GetReport(VrioReportRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var (from, to) = QueryWindow.Parse(request.From, request.To, options.Value.Window, time.GetUtcNow());
        var kind = request.Kind.Trim().ToLowerInvariant();
        if (kind.Length > 0 && !CapabilityKey.Kinds.Contains(kind))
        {
            throw MeshErrors.InvalidArgument("kind", $"'{request.Kind}' is not a capability kind; use model, tool or workflow, or leave it empty");
        }

        var name = request.Name.Trim();
        var report = await reporter.ReportAsync(Caller().TenantId, from, to,
            k => (kind.Length == 0 || k.Kind == kind) && (name.Length == 0 || k.Name == name), context.CancellationToken);
        if (name.Length > 0 && report.Capabilities.Count == 0)
        {
            throw MeshErrors.NotFound("capability", name, "list them with mesh vrio capabilities");
        }

        return report;
    }

    /// <summary>The metadata with its checks, or InvalidArgument naming the field.</summary>
    public static Capability Validate(Capability capability)
    {
        ArgumentNullException.ThrowIfNull(capability);
        capability.Owner = capability.Owner.Trim();
        capability.Category = capability.Category.Trim().ToLowerInvariant();
        if (capability.Owner.Length > 200 || capability.Category.Length > 100)
        {
            throw MeshErrors.InvalidArgument("owner", "the owner may have at most 200 characters and the category 100");
        }

        if (!System.Enum.IsDefined(capability.Provenance))
        {
            throw MeshErrors.InvalidArgument("provenance", "use public_api, open_model, licensed, fine_tuned, in_house or own_data");
        }

        if (!(capability.SloSuccessRate is >= 0 and <= 1))
        {
            throw MeshErrors.InvalidArgument("slo_success_rate", "must be a share between 0 and 1 (0: no objective)");
        }

        if (!(capability.SloP95Ms >= 0) || !double.IsFinite(capability.SloP95Ms))
        {
            throw MeshErrors.InvalidArgument("slo_p95_ms", "must be a non-negative number of milliseconds (0: no objective)");
        }

        if (!(capability.ReservedDeviceSeconds >= 0) || !double.IsFinite(capability.ReservedDeviceSeconds))
        {
            throw MeshErrors.InvalidArgument("reserved_device_seconds", "must be a non-negative number of seconds (0: none)");
        }

        if (capability.BudgetUsd.Length > 0 && (!decimal.TryParse(capability.BudgetUsd, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var budget) || budget <= 0))
        {
            throw MeshErrors.InvalidArgument("budget_usd", $"'{capability.BudgetUsd}' is not a positive decimal number of USD");
        }

        return capability;
    }

    private async Task<CapabilityCatalog.Listing> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        var to = time.GetUtcNow().UtcDateTime;
        var used = await reader.UsedAsync(tenantId, to - 2 * options.Value.Window, to, cancellationToken);
        return await catalog.ListAsync(tenantId, used, cancellationToken);
    }

    private async Task<bool> UsedAsync(string tenantId, CapabilityKey key, CancellationToken cancellationToken) =>
        (await reader.UsedAsync(tenantId, DateTime.UnixEpoch, time.GetUtcNow().UtcDateTime.AddMinutes(5), cancellationToken))
            .Any(k => k.Kind == key.Kind && k.Name == key.Name && (key.Version.Length == 0 || k.Version == key.Version));

    private static Caller Caller() => CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");
}
