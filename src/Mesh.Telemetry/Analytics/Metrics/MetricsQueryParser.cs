using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics.Metrics;

/// <summary>Validates a <see cref="MetricsQuery"/> into a <see cref="MetricsSpec"/>; InvalidArgument or PermissionDenied naming the problem.</summary>
public static class MetricsQueryParser
{
    public const int MaxPoints = 10_000;
    public const int MaxLimit = 10_000;

    public static MetricsSpec Parse(MetricsQuery request, Caller caller, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var (from, to) = QueryWindow.Parse(request.From, request.To, TimeSpan.FromHours(24), now);
        TimeBucket? bucket = null;
        if (request.Bucket.Length > 0)
        {
            bucket = TimeBucket.Parse(request.Bucket)
                ?? throw MeshErrors.InvalidArgument("bucket", $"'{request.Bucket}' is not a bucket; use one of {string.Join(", ", TimeBucket.All.Select(b => b.Name))}, or none");
            var points = bucket.Count(from, to);
            if (points > MaxPoints)
            {
                var fits = TimeBucket.All.FirstOrDefault(b => b.Count(from, to) <= MaxPoints);
                throw MeshErrors.InvalidArgument("bucket", $"{bucket.Name} buckets over {(to - from).TotalDays:0.#} days make {points} points, more than {MaxPoints}; choose {fits?.Name ?? "month"} buckets or a shorter window");
            }
        }

        var groupBy = new List<string>();
        foreach (var name in request.GroupBy)
        {
            var dimension = Dimension(name, "group_by");
            if (groupBy.Contains(dimension))
            {
                throw MeshErrors.InvalidArgument("group_by", $"'{name}' is listed twice; list each dimension once");
            }

            groupBy.Add(dimension);
        }

        var filters = request.Filters.Select(f => (Dimension(f.Dimension, "filters"), f.Value)).ToList();
        var tenantFilter = filters.Where(f => f.Item1 == "tenant").Select(f => f.Value).FirstOrDefault() ?? "";
        var tenant = QueryScope.Tenant(tenantFilter, caller);
        var metrics = request.Metrics.Count == 0 ? ["events", "cost_usd"] : request.Metrics.Select(m => m.Trim().ToLowerInvariant()).ToList();
        foreach (var metric in metrics.Where(m => !MetricsEngine.SumMetrics.Contains(m) && LatencyMeasure.ParseMetric(m) is null))
        {
            throw MeshErrors.InvalidArgument("metrics", $"'{metric}' is not a metric; use {string.Join(", ", MetricsEngine.SumMetrics)} or p50|p90|p95|p99 of {string.Join(", ", LatencyMeasure.All.Select(m => m.Name))} (e.g. p95_ttft_ms)");
        }

        if (request.Limit is < 0 or > MaxLimit)
        {
            throw MeshErrors.InvalidArgument("limit", $"must be between 1 and {MaxLimit} (0 means 100); got {request.Limit}");
        }

        return new MetricsSpec
        {
            From = from,
            To = to,
            Bucket = bucket,
            GroupBy = groupBy,
            Filters = [.. filters.Where(f => f.Item1 != "tenant")],
            TenantId = tenant,
            Metrics = metrics,
            IncludeAudit = request.IncludeAudit,
            Limit = request.Limit == 0 ? 100 : request.Limit,
        };
    }

    private static string Dimension(string name, string field) =>
        MetricDimensions.Normalize(name)
        ?? throw MeshErrors.InvalidArgument(field, $"'{name}' is not a dimension; use any of {string.Join(", ", MetricDimensions.Names)}");
}
