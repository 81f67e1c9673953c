using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Analytics;

/// <summary>
/// Turns a <see cref="UsageQuery"/> into a validated store query, applying the defaults and
/// the caller's tenant scope. Throws InvalidArgument or PermissionDenied statuses.
/// </summary>
public static class UsageQueryParser
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    public static UsageQuerySpec Parse(UsageQuery request, Caller caller, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var to = request.To is null ? now.UtcDateTime : Time(request.To, "to");
        var from = request.From is null ? to - DefaultWindow : Time(request.From, "from");
        if (from >= to)
        {
            throw MeshErrors.InvalidArgument("from", $"the window start {from:O} must be before its end {to:O}");
        }

        if (request.Limit is < 0 or > MaxLimit)
        {
            throw MeshErrors.InvalidArgument("limit", $"must be between 1 and {MaxLimit} (0 means {DefaultLimit}); got {request.Limit}");
        }

        if (request.Kind != UsageKind.Unspecified && !UsageNames.IsKnown(request.Kind))
        {
            throw MeshErrors.InvalidArgument("kind", $"{(int)request.Kind} is not a known usage kind");
        }

        return new UsageQuerySpec
        {
            From = from,
            To = to,
            GroupBy = GroupBy(request.GroupBy),
            TenantId = QueryScope.Tenant(request.TenantId, caller),
            AgentId = Filter(request.AgentId),
            RunId = Filter(request.RunId),
            Resource = Filter(request.Resource),
            Kind = request.Kind == UsageKind.Unspecified ? null : UsageNames.Kind(request.Kind),
            Limit = request.Limit == 0 ? DefaultLimit : request.Limit,
            IncludeAudit = request.IncludeAudit,
        };
    }

    private static List<Dimension> GroupBy(IEnumerable<Dimension> dimensions)
    {
        var groupBy = new List<Dimension>();
        foreach (var dimension in dimensions)
        {
            if (!UsageSql.IsGroupable(dimension))
            {
                var known = string.Join(", ", Enum.GetValues<Dimension>().Where(UsageSql.IsGroupable));
                throw MeshErrors.InvalidArgument("group_by", $"'{dimension}' is not a dimension to group by; use any of {known}");
            }

            if (groupBy.Contains(dimension))
            {
                throw MeshErrors.InvalidArgument("group_by", $"'{dimension}' is listed twice; list each dimension once");
            }

            groupBy.Add(dimension);
        }

        return groupBy;
    }

    private static string? Filter(string value) => value.Length == 0 ? null : value;

    private static DateTime Time(Google.Protobuf.WellKnownTypes.Timestamp timestamp, string field)
    {
        try
        {
            return timestamp.ToDateTime();
        }
        catch (InvalidOperationException)
        {
            throw MeshErrors.InvalidArgument(field, "is not a valid timestamp");
        }
    }
}
