using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Cli.Configuration;
using Mesh.Cli.Output;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh prices list|add|replay</c>: price lists with effective dates, and what usage would cost under another.</summary>
public static class PricesCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("prices", "Price lists (each effective from a moment) and cost replays");

        var list = new Command("list", "Show every price list and its prices");
        runner.SetAction(list, async (context, cancellationToken) =>
        {
            var lists = await context.Clients.Prices.ListPriceListsAsync(new ListPriceListsRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(lists);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (var header in new[] { "Version", "Effective", "Resource", "Version/device/tier", "Input /M", "Cached /M", "Output /M", "Per call", "Per second" })
            {
                table.AddColumn(header);
            }

            foreach (var priceList in lists.Lists)
            {
                var effective = $"{Time(priceList.EffectiveFrom)} → {(priceList.EffectiveUntil is null ? "now" : Time(priceList.EffectiveUntil))}";
                foreach (var (price, i) in priceList.Prices.Select((p, i) => (p, i)))
                {
                    var variant = string.Join(" ", new[] { price.ResourceVersion.Length > 0 ? $"v{price.ResourceVersion}" : "", price.DeviceClass, price.MinInputTokens > 0 ? $"≥{price.MinInputTokens} in" : "" }.Where(v => v.Length > 0));
                    table.AddRow(i == 0 ? Markup.Escape(priceList.Version) : "", i == 0 ? effective : "", Markup.Escape(price.Resource), Markup.Escape(variant),
                        price.InputPerMillionTokens, price.CachedPerMillionTokens, price.OutputPerMillionTokens, price.PerCall, price.PerComputeSecond);
                }
            }

            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });

        var file = new Argument<FileInfo>("file") { Description = "A JSON price list: {\"version\", \"effectiveFrom\", \"description\", \"prices\": [{\"resource\", \"inputPerMillionTokens\", ...}]}" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "When it takes effect (UTC), if the file does not say", HelpName = "time" };
        var add = new Command("add", "Add a price list from a JSON file (mesh admins); lists are never edited") { file, from };
        runner.SetAction(add, async (context, cancellationToken) =>
        {
            var path = context.Parse.GetValue(file)!;
            var priceList = Parse(path);
            if (context.Parse.GetValue(from) is { } effective)
            {
                priceList.EffectiveFrom = Timestamp.FromDateTimeOffset(effective);
            }

            var added = await context.Clients.Prices.AddPriceListAsync(priceList, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(added);
            }
            else
            {
                context.Output.Console.MarkupLine($"added price list [bold]{Markup.Escape(added.Version)}[/], effective from {Time(added.EffectiveFrom)}, {added.Prices.Count} prices");
            }

            return ExitCodes.Success;
        });

        var version = new Option<string?>("--version") { Description = "Price everything with this stored list", HelpName = "version" };
        var listFile = new Option<FileInfo?>("--file") { Description = "Price everything with this list (JSON, not stored)", HelpName = "file" };
        var substitute = new Option<string[]>("--substitute") { Description = "Bill one model as another: from=to (repeatable)", HelpName = "from=to", AllowMultipleArgumentsPerToken = true };
        var since = new Option<string>("--since") { Description = "How far back: 30d, 7d, 24h", DefaultValueFactory = _ => "30d", HelpName = "duration" };
        var by = new Option<string>("--by") { Description = "Group by: tenant, principal, agent, workflow, run, service, kind, resource, device", DefaultValueFactory = _ => "tenant" };
        var replay = new Command("replay", "What a window of usage would have cost under another list or with models substituted, next to what it cost") { version, listFile, substitute, since, by };
        runner.SetAction(replay, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            if (!DurationParser.TryParse(parse.GetValue(since), out var window))
            {
                throw new CliUsageException($"--since '{parse.GetValue(since)}' is not a duration; {DurationParser.Hint}");
            }

            var now = context.Time.GetUtcNow();
            var request = new ReplayRequest
            {
                From = Timestamp.FromDateTimeOffset(now - window),
                To = Timestamp.FromDateTimeOffset(now),
                PriceListVersion = parse.GetValue(version) ?? "",
                PriceList = parse.GetValue(listFile) is { } scenarioFile ? Parse(scenarioFile) : null,

                // A mesh admin acting in a tenant (--tenant) replays that tenant's usage, not every tenant's.
                TenantId = context.Settings.Tenant ?? "",
            };
            request.GroupBy.AddRange((parse.GetValue(by) ?? "tenant").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            foreach (var pair in parse.GetValue(substitute) ?? [])
            {
                var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length != 2)
                {
                    throw new CliUsageException($"--substitute '{pair}': write it as from=to, e.g. gpt-large=tiny-gpt");
                }

                request.Substitutions.Add(new ModelSubstitution { From = parts[0], To = parts[1] });
            }

            var report = await context.Output.WithStatusAsync("Replaying…", async _ =>
                await context.Clients.Prices.ReplayCostAsync(request, context.Clients.Options(cancellationToken)));
            if (context.Output.Json)
            {
                context.Output.WriteJson(report);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).ShowFooters();
            foreach (var (dimension, i) in report.GroupBy.Select((d, i) => (d, i)))
            {
                table.AddColumn(new TableColumn(dimension).Footer(i == 0 ? "[bold]Total[/]" : ""));
            }

            var total = report.Total;
            table.AddColumn(new TableColumn("Events").RightAligned().Footer(Formatting.Count(total.Events)));
            table.AddColumn(new TableColumn("Billed (USD)").RightAligned().Footer(total.BilledUsd));
            table.AddColumn(new TableColumn("Baseline (USD)").RightAligned().Footer(total.BaselineUsd));
            table.AddColumn(new TableColumn("Scenario (USD)").RightAligned().Footer(total.ScenarioUsd));
            table.AddColumn(new TableColumn("Difference").RightAligned().Footer(Difference(total)));
            foreach (var row in report.Rows)
            {
                table.AddRow([.. row.Keys.Select(k => Markup.Escape(k.Length == 0 ? "(none)" : k)), Formatting.Count(row.Events), row.BilledUsd, row.BaselineUsd, row.ScenarioUsd, Difference(row)]);
            }

            table.Caption($"[grey]{Markup.Escape(report.Scenario)}; {Time(report.From)} → {Time(report.To)}[/]");
            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(replay);
        return command;
    }

    private static string Difference(ReplayRow row)
    {
        var difference = decimal.Parse(row.DifferenceUsd, System.Globalization.CultureInfo.InvariantCulture);
        var baseline = decimal.Parse(row.BaselineUsd, System.Globalization.CultureInfo.InvariantCulture);
        var percent = baseline == 0 ? "" : $" ({difference / baseline * 100:+0.0;-0.0;0}%)";
        var text = (difference > 0 ? "+" : "") + row.DifferenceUsd + percent;
        return difference > 0 ? $"[red]{Markup.Escape(text)}[/]" : difference < 0 ? $"[green]{Markup.Escape(text)}[/]" : Markup.Escape(text);
    }

    private static PriceList Parse(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliUsageException($"'{file.FullName}' does not exist");
        }

        try
        {
            return JsonParser.Default.Parse<PriceList>(NumbersAsText(JsonNode.Parse(File.ReadAllText(file.FullName)))?.ToJsonString() ?? "null");
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or JsonException)
        {
            throw new CliUsageException($"'{file.Name}' is not a price list: {ex.Message}");
        }
    }

    /// <summary>
    /// Prices are exact decimals, strings in the contract's JSON; a file that writes them as JSON
    /// numbers (0.02) means the same, so numbers are taken as their text, digit for digit.
    /// </summary>
    private static JsonNode? NumbersAsText(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (name, child) in obj.ToList())
            {
                if (IsNumber(child))
                {
                    obj[name] = JsonValue.Create(child!.ToJsonString());
                }
                else
                {
                    NumbersAsText(child);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (IsNumber(array[i]))
                {
                    array[i] = JsonValue.Create(array[i]!.ToJsonString());
                }
                else
                {
                    NumbersAsText(array[i]);
                }
            }
        }

        return node;
    }

    private static bool IsNumber(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.Number;

    private static string Time(Timestamp? timestamp) =>
        timestamp is null ? "" : timestamp.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
}
