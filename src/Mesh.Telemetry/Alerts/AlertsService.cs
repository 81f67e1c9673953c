using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Alerts;

/// <summary>Alert rules of the caller's tenant, their events, and a stream of new ones.</summary>
public sealed class AlertsService(AlertRuleStore rules, AlertFeed feed, TimeProvider time) : V1.Alerts.AlertsBase
{
    public override async Task<AlertRule> CreateAlertRule(AlertRule request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        var rule = Validate(request.Clone());
        rule.Id = "alert-" + Guid.NewGuid().ToString("N")[..12];
        rule.TenantId = caller.TenantId;
        var now = time.GetUtcNow().UtcDateTime;
        rule.CreatedAt = Timestamp.FromDateTime(now);
        await rules.SaveAsync(rule, deleted: false, now, context.CancellationToken);
        return rule;
    }

    public override async Task<ListAlertRulesResponse> ListAlertRules(ListAlertRulesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        var response = new ListAlertRulesResponse();
        response.Rules.AddRange((await rules.LoadAsync(context.CancellationToken)).Where(r => r.TenantId == caller.TenantId));
        return response;
    }

    public override async Task<AlertRule> DeleteAlertRule(DeleteAlertRuleRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        var rule = (await rules.LoadAsync(context.CancellationToken)).FirstOrDefault(r => r.Id == request.Id && r.TenantId == caller.TenantId)
            ?? throw MeshErrors.NotFound("alert rule", request.Id, "list the rules with mesh alerts rules");
        await rules.SaveAsync(rule, deleted: true, time.GetUtcNow().UtcDateTime, context.CancellationToken);
        return rule;
    }

    public override Task<ListAlertEventsResponse> ListAlertEvents(ListAlertEventsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit is < 0 or > 1000)
        {
            throw MeshErrors.InvalidArgument("limit", $"must be between 1 and 1000 (0 means 100); got {request.Limit}");
        }

        var response = new ListAlertEventsResponse();
        response.Events.AddRange(feed.Recent(Caller().TenantId, request.Limit == 0 ? 100 : request.Limit));
        return Task.FromResult(response);
    }

    public override async Task WatchAlerts(WatchAlertsRequest request, IServerStreamWriter<AlertEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await foreach (var alert in feed.WatchAsync(Caller().TenantId, context.CancellationToken))
            {
                await responseStream.WriteAsync(alert, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The watcher went away.
        }
    }

    /// <summary>The rule with its defaults, or InvalidArgument naming the field.</summary>
    public static AlertRule Validate(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (string.IsNullOrWhiteSpace(rule.Name) || rule.Name.Length > 100)
        {
            throw MeshErrors.InvalidArgument("name", "give the rule a name of 1 to 100 characters");
        }

        rule.Metric = rule.Metric.Trim().ToLowerInvariant();
        if (!MetricsEngine.SumMetrics.Contains(rule.Metric) && LatencyMeasure.ParseMetric(rule.Metric) is null)
        {
            throw MeshErrors.InvalidArgument("metric", $"'{rule.Metric}' is not a metric; use one of {string.Join(", ", MetricsEngine.SumMetrics)} or a percentile such as p95_total_ms");
        }

        var groupBy = rule.GroupBy.Select(d => MetricDimensions.Normalize(d) ?? throw MeshErrors.InvalidArgument("group_by", $"'{d}' is not a dimension; use any of {string.Join(", ", MetricDimensions.Names)}")).ToList();
        rule.GroupBy.Clear();
        rule.GroupBy.AddRange(groupBy);
        foreach (var filter in rule.Filters)
        {
            filter.Dimension = MetricDimensions.Normalize(filter.Dimension) is { } d && d != "tenant"
                ? d
                : throw MeshErrors.InvalidArgument("filters", $"'{filter.Dimension}' is not a dimension to filter on (the tenant is the rule's own)");
        }

        rule.WindowSeconds = rule.WindowSeconds == 0 ? 3600 : rule.WindowSeconds;
        rule.EverySeconds = rule.EverySeconds == 0 ? 60 : rule.EverySeconds;
        if (rule.WindowSeconds is < 60 or > 31 * 86_400)
        {
            throw MeshErrors.InvalidArgument("window_seconds", "the rolling window must be between 60 seconds and 31 days");
        }

        if (rule.EverySeconds is < 10 or > 86_400)
        {
            throw MeshErrors.InvalidArgument("every_seconds", "evaluate between every 10 seconds and once a day");
        }

        rule.Condition = rule.Condition.Length == 0 ? "above" : rule.Condition.Trim().ToLowerInvariant();
        if (rule.Condition is not ("above" or "below"))
        {
            throw MeshErrors.InvalidArgument("condition", "use above or below");
        }

        if (!double.IsFinite(rule.Threshold))
        {
            throw MeshErrors.InvalidArgument("threshold", "must be a finite number");
        }

        if (rule.WebhookUrl.Length > 0 && (!Uri.TryCreate(rule.WebhookUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            throw MeshErrors.InvalidArgument("webhook_url", "must be an absolute http or https URL");
        }

        return rule;
    }

    private static Caller Caller() => CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");
}
