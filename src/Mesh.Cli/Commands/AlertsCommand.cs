using System.CommandLine;
using System.Globalization;
using Mesh.Cli.Configuration;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh alerts [rules|add|delete|watch]</c>: alert rules on any metric and the events they raised.</summary>
public static class AlertsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("alerts", "Alerts that fired and resolved (newest first); rules, add, delete and watch below");
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var events = await context.Clients.Alerts.ListAlertEventsAsync(new ListAlertEventsRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(events);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (var header in new[] { "At", "State", "Rule", "Group", "Metric", "Value", "Threshold" })
            {
                table.AddColumn(header);
            }

            foreach (var alert in events.Events)
            {
                table.AddRow(Time(alert.At), alert.State == "firing" ? "[red]firing[/]" : "[green]resolved[/]", Markup.Escape(alert.RuleName),
                    Markup.Escape(string.Join(", ", alert.Keys)), alert.Metric, Number(alert.Value), Number(alert.Threshold));
            }

            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });

        var rules = new Command("rules", "Show the alert rules of your tenant");
        runner.SetAction(rules, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Alerts.ListAlertRulesAsync(new ListAlertRulesRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (var header in new[] { "Id", "Name", "When", "Per", "Window", "Every", "Webhook" })
            {
                table.AddColumn(header);
            }

            foreach (var rule in response.Rules)
            {
                table.AddRow(rule.Id, Markup.Escape(rule.Name), $"{rule.Metric} {rule.Condition} {Number(rule.Threshold)}", Markup.Escape(string.Join(",", rule.GroupBy)),
                    $"{rule.WindowSeconds} s", $"{rule.EverySeconds} s", Markup.Escape(rule.WebhookUrl));
            }

            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });

        var name = new Option<string>("--name") { Description = "What the rule watches", Required = true };
        var metric = new Option<string>("--metric") { Description = "A metric: cost_usd, error_rate, p95_total_ms, calls_per_s, ...", Required = true };
        var above = new Option<double?>("--above") { Description = "Fire when the metric is above this" };
        var below = new Option<double?>("--below") { Description = "Fire when the metric is below this" };
        var by = new Option<string?>("--by") { Description = "One alert per group: principal, resource, agent, attr.<key>, ..." };
        var window = new Option<string>("--window") { Description = "The rolling window: 5m, 1h, 1d", DefaultValueFactory = _ => "1h" };
        var every = new Option<string>("--every") { Description = "How often it is evaluated", DefaultValueFactory = _ => "1m" };
        var webhook = new Option<string?>("--webhook") { Description = "POST each event (JSON) to this URL" };
        var add = new Command("add", "Add an alert rule") { name, metric, above, below, by, window, every, webhook };
        runner.SetAction(add, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            if (parse.GetValue(above) is null == parse.GetValue(below) is null)
            {
                throw new CliUsageException("give one of --above or --below");
            }

            var rule = new AlertRule
            {
                Name = parse.GetValue(name) ?? "",
                Metric = parse.GetValue(metric) ?? "",
                Condition = parse.GetValue(above) is null ? "below" : "above",
                Threshold = parse.GetValue(above) ?? parse.GetValue(below) ?? 0,
                WindowSeconds = Seconds(parse.GetValue(window), "--window"),
                EverySeconds = Seconds(parse.GetValue(every), "--every"),
                WebhookUrl = parse.GetValue(webhook) ?? "",
            };
            rule.GroupBy.AddRange((parse.GetValue(by) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var created = await context.Clients.Alerts.CreateAlertRuleAsync(rule, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(created);
            }
            else
            {
                context.Output.Console.MarkupLine($"added alert rule [bold]{created.Id}[/]: {Markup.Escape(created.Metric)} {created.Condition} {Number(created.Threshold)} over {created.WindowSeconds} s");
            }

            return ExitCodes.Success;
        });

        var id = new Argument<string>("id") { Description = "The rule's id (mesh alerts rules)" };
        var delete = new Command("delete", "Remove an alert rule") { id };
        runner.SetAction(delete, async (context, cancellationToken) =>
        {
            var removed = await context.Clients.Alerts.DeleteAlertRuleAsync(new DeleteAlertRuleRequest { Id = context.Parse.GetValue(id) ?? "" }, context.Clients.Options(cancellationToken));
            context.Output.Console.MarkupLine($"deleted alert rule {removed.Id}");
            return ExitCodes.Success;
        });

        var watch = new Command("watch", "Print alerts as they fire and resolve, until Ctrl-C");
        runner.SetAction(watch, async (context, cancellationToken) =>
        {
            using var call = context.Clients.Alerts.WatchAlerts(new WatchAlertsRequest(), new Grpc.Core.CallOptions(Clients.MeshClients.Headers(context.Settings), cancellationToken: cancellationToken));
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var alert = call.ResponseStream.Current;
                if (context.Output.Json)
                {
                    context.Output.WriteJsonLine(alert);
                }
                else
                {
                    context.Output.Console.MarkupLine($"{Time(alert.At)} {(alert.State == "firing" ? "[red]firing[/]" : "[green]resolved[/]")} {Markup.Escape(alert.RuleName)} [{Markup.Escape(string.Join(", ", alert.Keys))}] {alert.Metric} = {Number(alert.Value)}");
                }
            }

            return ExitCodes.Success;
        });

        command.Subcommands.Add(rules);
        command.Subcommands.Add(add);
        command.Subcommands.Add(delete);
        command.Subcommands.Add(watch);
        return command;
    }

    private static int Seconds(string? text, string option) =>
        DurationParser.TryParse(text, out var duration) ? (int)duration.TotalSeconds : throw new CliUsageException($"{option} '{text}' is not a duration; {DurationParser.Hint}");

    private static string Number(double value) => value.ToString("0.#########", CultureInfo.InvariantCulture);

    private static string Time(Google.Protobuf.WellKnownTypes.Timestamp? at) =>
        at is null ? "" : at.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
