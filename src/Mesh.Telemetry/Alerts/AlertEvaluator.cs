using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Alerts;

/// <summary>
/// Evaluates every rule when it is due: its metric per group over the rolling window; a group
/// that crosses the threshold fires once, and resolves once it no longer does (or has no usage in
/// the window). Events go to the feed and, when the rule has one, to its webhook.
/// </summary>
public sealed partial class AlertEvaluator(
    AlertRuleStore rules,
    MetricsEngine metrics,
    AlertFeed feed,
    IHttpClientFactory http,
    TimeProvider time,
    ILogger<AlertEvaluator> logger) : BackgroundService
{
    public const string WebhookClient = "mesh-alert-webhooks";

    private readonly ConcurrentDictionary<string, DateTime> _evaluated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _firing = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Evaluates the rules due at <paramref name="now"/> (all of them with <paramref name="force"/>).</summary>
    public async Task EvaluateAsync(DateTime now, bool force, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            foreach (var rule in await rules.LoadAsync(cancellationToken))
            {
                if (!force && _evaluated.TryGetValue(rule.Id, out var last) && now - last < TimeSpan.FromSeconds(rule.EverySeconds))
                {
                    continue;
                }

                _evaluated[rule.Id] = now;
                try
                {
                    await EvaluateRuleAsync(rule, now, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRuleFailed(logger, rule.Id, ex.Message);
                }
            }
        }
        finally
        {
            _running.Release();
        }
    }

    public override void Dispose()
    {
        _running.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await EvaluateAsync(time.GetUtcNow().UtcDateTime, force: false, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRuleFailed(logger, "*", ex.Message);
            }
        }
    }

    private async Task EvaluateRuleAsync(AlertRule rule, DateTime now, CancellationToken cancellationToken)
    {
        var spec = new MetricsSpec
        {
            From = now.AddSeconds(-rule.WindowSeconds),
            To = now,
            GroupBy = [.. rule.GroupBy],
            Filters = [.. rule.Filters.Select(f => (f.Dimension, f.Value))],
            TenantId = rule.TenantId,
            Metrics = [rule.Metric],
            Limit = 10_000,
        };
        var result = await metrics.RunAsync(spec, cancellationToken);
        var above = rule.Condition != "below";
        var values = result.Rows.ToDictionary(r => string.Join('\u001f', r.Keys), r => (r.Keys, Value: r.Values[0]), StringComparer.Ordinal);
        var firing = values.Where(v => !double.IsNaN(v.Value.Value) && (above ? v.Value.Value > rule.Threshold : v.Value.Value < rule.Threshold))
            .Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        var before = _firing.GetValueOrDefault(rule.Id) ?? [];
        foreach (var key in firing.Except(before))
        {
            await RaiseAsync(rule, "firing", values[key].Keys, values[key].Value, now, cancellationToken);
        }

        foreach (var key in before.Except(firing))
        {
            var value = values.TryGetValue(key, out var known) ? known.Value : 0;
            await RaiseAsync(rule, "resolved", key.Length == 0 && rule.GroupBy.Count == 0 ? [] : key.Split('\u001f'), value, now, cancellationToken);
        }

        _firing[rule.Id] = firing;
    }

    private async Task RaiseAsync(AlertRule rule, string state, IEnumerable<string> keys, double value, DateTime now, CancellationToken cancellationToken)
    {
        var alert = new AlertEvent
        {
            RuleId = rule.Id,
            RuleName = rule.Name,
            State = state,
            Keys = { keys },
            Value = double.IsNaN(value) ? 0 : value,
            Threshold = rule.Threshold,
            Metric = rule.Metric,
            At = Timestamp.FromDateTime(DateTime.SpecifyKind(now, DateTimeKind.Utc)),
            TenantId = rule.TenantId,
        };
        feed.Publish(alert);
        LogAlert(logger, rule.Id, state, string.Join(",", alert.Keys), alert.Value);
        if (rule.WebhookUrl.Length == 0)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var body = new StringContent(JsonFormatter.Default.Format(alert), System.Text.Encoding.UTF8, "application/json");
            using var response = await http.CreateClient(WebhookClient).PostAsync(new Uri(rule.WebhookUrl), body, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogWebhookFailed(logger, rule.Id, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogWebhookFailed(logger, rule.Id, ex.Message);
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Alert {State} for rule {RuleId} ({Keys}): value {Value}")]
    private static partial void LogAlert(ILogger logger, string ruleId, string state, string keys, double value);

    [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "Alert rule {RuleId} could not be evaluated: {Reason}")]
    private static partial void LogRuleFailed(ILogger logger, string ruleId, string reason);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Alert webhook of rule {RuleId} failed: {Reason}")]
    private static partial void LogWebhookFailed(ILogger logger, string ruleId, string reason);
}
