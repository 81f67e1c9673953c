using Grpc.Core;
using Mesh.Telemetry.Alerts;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Telemetry.Tests.Analytics;

public sealed class AlertsTests
{
    private static readonly DateTime Now = Events.Noon.AddMinutes(30);

    [Fact]
    public async Task Evaluate_CostPerUserOverAnHourAboveThreshold_FiresThenResolvesToWatchers()
    {
        using var host = new TelemetryHost(new DateTimeOffset(Now));
        var alerts = new V1.Alerts.AlertsClient(host.Channel);
        var rule = await alerts.CreateAlertRuleAsync(new AlertRule
        {
            Name = "cost per user",
            Metric = "cost_usd",
            GroupBy = { "principal" },
            WindowSeconds = 3600,
            Threshold = 0.00001,
            EverySeconds = 60,
        }, TestCalls.As(TestKeys.Acme));
        using var watch = alerts.WatchAlerts(new WatchAlertsRequest(), TestCalls.As(TestKeys.Acme, timeout: TimeSpan.FromSeconds(60)));
        var feed = host.Services.GetRequiredService<AlertFeed>();
        var waited = DateTime.UtcNow;
        while (feed.Watchers == 0 && DateTime.UtcNow - waited < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        await host.Ingest.PublishAsync(new PublishRequest
        {
            Events = { Events.Embedding("acme", at: Now.AddMinutes(-10)), Events.Embedding("acme", at: Now.AddMinutes(-5)), Events.Embedding("globex", at: Now.AddMinutes(-5)) },
        }, TestCalls.As(TestKeys.Admin));
        var evaluator = host.Services.GetRequiredService<AlertEvaluator>();

        await evaluator.EvaluateAsync(Now, force: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await evaluator.EvaluateAsync(Now.AddHours(2), force: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        var firing = watch.ResponseStream.Current;
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        var resolved = watch.ResponseStream.Current;
        Assert.Equal(("firing", rule.Id, "alice"), (firing.State, firing.RuleId, firing.Keys.Single()));
        Assert.Equal(0.00001548, firing.Value, 9);
        Assert.Equal(("resolved", "alice"), (resolved.State, resolved.Keys.Single()));
        var listed = await alerts.ListAlertEventsAsync(new ListAlertEventsRequest(), TestCalls.As(TestKeys.Acme));
        Assert.Equal(["resolved", "firing"], listed.Events.Select(e => e.State));
        var globex = await alerts.ListAlertEventsAsync(new ListAlertEventsRequest(), TestCalls.As(TestKeys.Globex));
        Assert.Empty(globex.Events);
    }

    [Fact]
    public async Task CreateAlertRule_BadRule_NamesTheField()
    {
        using var host = new TelemetryHost();
        var alerts = new V1.Alerts.AlertsClient(host.Channel);

        var metric = await Assert.ThrowsAsync<RpcException>(() => alerts.CreateAlertRuleAsync(new AlertRule { Name = "x", Metric = "p42_total_ms" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);
        var webhook = await Assert.ThrowsAsync<RpcException>(() => alerts.CreateAlertRuleAsync(new AlertRule { Name = "x", Metric = "error_rate", WebhookUrl = "file:///etc/passwd" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, metric.StatusCode);
        Assert.StartsWith("metric:", metric.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("webhook_url:", webhook.Status.Detail, StringComparison.Ordinal);
    }
}
