using Mesh.Telemetry.V1;

namespace Mesh.Console.Pages;

/// <summary>The tenant's alert rules and their latest firing and resolved events (<c>ListAlertRules</c>, <c>ListAlertEvents</c>).</summary>
public sealed class AlertsModel(Alerts.AlertsClient alerts) : ConsolePage
{
    public IReadOnlyList<AlertRule> Rules { get; private set; } = [];

    public IReadOnlyList<AlertEvent> Events { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var rules = alerts.ListAlertRulesAsync(new ListAlertRulesRequest()).ResponseAsync;
        var events = alerts.ListAlertEventsAsync(new ListAlertEventsRequest { Limit = 100 }).ResponseAsync;
        Rules = (await rules).Rules;
        Events = (await events).Events;
    }

    /// <summary>Which rules fire now: the latest event of each rule and group says.</summary>
    public IReadOnlySet<string> Firing() => Events
        .GroupBy(e => (e.RuleId, string.Join('\u001f', e.Keys)))
        .Select(g => g.OrderByDescending(e => e.At?.ToDateTimeOffset()).First())
        .Where(e => e.State == "firing")
        .Select(e => e.RuleId)
        .ToHashSet(StringComparer.Ordinal);
}
