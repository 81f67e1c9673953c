using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Mesh.Cli.Configuration;
using Mesh.Cli.Usage;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh cost</c>: cost and usage from telemetry, grouped by any dimensions.</summary>
public static class CostCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var by = new Option<string>("--by")
        {
            Description = $"Dimensions to group by, comma-separated: {string.Join(",", Dimensions.Names)}",
            HelpName = "dimensions",
            DefaultValueFactory = _ => "tenant,resource",
            Validators =
            {
                result =>
                {
                    if (!Dimensions.TryParse(result.GetValueOrDefault<string>(), out _, out var error))
                    {
                        result.AddError($"--by: {error}");
                    }
                },
            },
        };
        var since = new Option<string>("--since")
        {
            Description = "How far back to look: 30m, 1h, 24h, 7d",
            HelpName = "duration",
            DefaultValueFactory = _ => "24h",
            Validators =
            {
                result =>
                {
                    var text = result.GetValueOrDefault<string>();
                    if (!DurationParser.TryParse(text, out _))
                    {
                        result.AddError($"--since '{text}' is not a duration; {DurationParser.Hint}");
                    }
                },
            },
        };
        var tenant = new Option<string?>("--tenant-filter") { Description = "Only this tenant's usage (admins)", HelpName = "tenant" };
        var run = new Option<string?>("--run") { Description = "Only this run's usage", HelpName = "run-id" };
        var agent = new Option<string?>("--agent") { Description = "Only this agent's usage", HelpName = "agent-id" };
        var resource = new Option<string?>("--resource") { Description = "Only this model or tool", HelpName = "name" };
        var kind = new Option<string?>("--kind") { Description = $"Only this kind: {string.Join(", ", UsageKinds.Names)}", HelpName = "kind" };
        kind.AcceptOnlyFromAmong([.. UsageKinds.Names]);
        var limit = new Option<int>("--limit")
        {
            Description = "Most rows to show, costliest first (1 to 10000)",
            HelpName = "rows",
            DefaultValueFactory = _ => 100,
            Validators =
            {
                result =>
                {
                    if (result.GetValueOrDefault<int>() is < 1 or > 10_000)
                    {
                        result.AddError("--limit must be between 1 and 10000");
                    }
                },
            },
        };

        var every = new Option<string?>("--every")
        {
            Description = "A time series with one bucket per minute, hour, day, week or month (1m, 1h, 1d, 1w, month), with a chart",
            HelpName = "bucket",
        };
        var percentiles = new Option<bool>("--percentiles") { Description = "Latency percentiles (total, queue, compute, time to first token, per output token) and throughput instead of cost" };
        var forecast = new Option<bool>("--forecast") { Description = "Forecast calls for the next day per hour (or the next week per day with --every 1d), for --resource or everything" };
        var command = new Command("cost", "Show cost and usage from telemetry, grouped by tenant, agent, run, resource, ...")
        {
            by, since, tenant, run, agent, resource, kind, limit, every, percentiles, forecast,
        };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var now = context.Time.GetUtcNow();
            if (parse.GetValue(forecast))
            {
                return await CostForecast.RunAsync(context, parse.GetValue(tenant), parse.GetValue(resource), parse.GetValue(every), cancellationToken);
            }

            if (parse.GetValue(every) is not null || parse.GetValue(percentiles))
            {
                return await CostSeries.RunAsync(context, new CostSeries.Request(
                    now - DurationParser.Parse(parse.GetValue(since)), now, parse.GetValue(by) ?? "", parse.GetValue(every), parse.GetValue(percentiles),
                    parse.GetValue(tenant), parse.GetValue(run), parse.GetValue(agent), parse.GetValue(resource), parse.GetValue(kind), parse.GetValue(limit)), cancellationToken);
            }

            var query = new UsageQuery
            {
                From = Timestamp.FromDateTimeOffset(now - DurationParser.Parse(parse.GetValue(since))),
                To = Timestamp.FromDateTimeOffset(now),
                TenantId = parse.GetValue(tenant) ?? string.Empty,
                RunId = parse.GetValue(run) ?? string.Empty,
                AgentId = parse.GetValue(agent) ?? string.Empty,
                Resource = parse.GetValue(resource) ?? string.Empty,
                Kind = UsageKinds.TryParse(parse.GetValue(kind), out var usageKind) ? usageKind : default,
                Limit = parse.GetValue(limit),
            };
            _ = Dimensions.TryParse(parse.GetValue(by), out var dimensions, out _);
            query.GroupBy.AddRange(dimensions);

            var report = await context.Output.WithStatusAsync("Asking telemetry…", async _ =>
                await context.Clients.Analytics.GetUsageAsync(query, context.Clients.Options(cancellationToken)));
            Render(context, report);
            return ExitCodes.Success;
        });
        return command;
    }

    public static void Render(CommandContext context, UsageReport report, Func<Dimension, string, string>? label = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        if (context.Output.Json)
        {
            context.Output.WriteJson(report);
            return;
        }

        var table = UsageTable.Build(report, label);
        var window = UsageTable.Window(report);
        if (window.Length > 0)
        {
            table.Caption($"[grey]{Markup.Escape(window)}[/]");
        }

        context.Output.Console.Write(table);
        if (report.Rows.Count == 0)
        {
            context.Output.Console.MarkupLine("[grey]No usage in this window. Run something first, e.g. mesh demo.[/]");
        }
    }
}
