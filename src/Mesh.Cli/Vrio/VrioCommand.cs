using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.Cli.Commands;
using Mesh.Cli.Configuration;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Vrio;

/// <summary><c>mesh vrio [capabilities|set|outcome]</c>: which capabilities are worth what they cost.</summary>
public static class VrioCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var days = new Option<int>("--days") { Description = "The window in days, ending now (0: the configured window)" };
        var name = new Option<string?>("--name") { Description = "Only this capability" };
        var markdown = new Option<bool>("--markdown") { Description = "The whole report, every indicator with its evidence, as Markdown" };
        var explain = new Option<bool>("--explain") { Description = "With --name: its evidence line by line" };
        var html = new Option<bool>("--html") { Description = "The whole report as one self-contained HTML page, to share (mesh vrio --html > vrio.html)" };
        var all = new Option<bool>("--all") { Description = "In the table, also the capabilities without calls in the window" };
        var command = new Command("vrio", "The VRIO report: value, rarity, imitability, organization and the verdict of each capability") { days, name, markdown, explain, html, all };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var request = new VrioReportRequest { Name = parse.GetValue(name) ?? "" };
            if (parse.GetValue(days) is var d and not 0)
            {
                if (d is < 1 or > 366)
                {
                    throw new CliUsageException("--days must be between 1 and 366");
                }

                var now = DateTime.UtcNow;
                request.To = Timestamp.FromDateTime(now);
                request.From = Timestamp.FromDateTime(now.AddDays(-d));
            }

            var report = await context.Clients.Vrio.GetReportAsync(request, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(report);
            }
            else if (parse.GetValue(html))
            {
                context.Output.WriteText(VrioHtml.Render(report));
            }
            else if (parse.GetValue(markdown) || parse.GetValue(explain))
            {
                context.Output.WriteText(VrioText.Markdown(report));
            }
            else
            {
                Table(context, report, parse.GetValue(all) || request.Name.Length > 0);
            }

            return ExitCodes.Success;
        });

        command.Subcommands.Add(Capabilities(runner));
        command.Subcommands.Add(Set(runner));
        command.Subcommands.Add(OutcomeCommand(runner));
        return command;
    }

    private static void Table(CommandContext context, VrioReport report, bool all)
    {
        // A capability nobody called in the window has nothing to judge: one line for all of them.
        var idle = report.Capabilities.Where(c => !all && c.Calls == 0 && c.Verdict == Verdict.NotEnoughEvidence).ToList();
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"VRIO {report.From.ToDateTime():yyyy-MM-dd} to {report.To.ToDateTime():yyyy-MM-dd}");
        foreach (var header in new[] { "Capability", "Verdict", "V", "R", "I", "O", "Value/$", "Action" })
        {
            table.AddColumn(header);
        }

        foreach (var c in report.Capabilities.Except(idle))
        {
            var verdict = $"[{VrioText.Colour(c.Verdict)}]{Markup.Escape(VrioText.Name(c.Verdict))}[/]" + (c.Verdict != c.WindowVerdict ? $" [grey](now {Markup.Escape(VrioText.Name(c.WindowVerdict))})[/]" : "");
            table.AddRow(Markup.Escape(VrioText.Ref(c.Capability.Ref)), verdict, Cell(c.Value), Cell(c.Rarity), Cell(c.Imitability), Cell(c.Organization),
                c.Value.Sufficient ? c.Value.Score.ToString("0.##", CultureInfo.InvariantCulture) + (c.Value.Proxy ? " (proxy: success)" : "") : "-", Markup.Escape(c.Action));
        }

        context.Output.Console.Write(table);
        if (idle.Count > 0)
        {
            context.Output.Console.MarkupLine($"[grey]{idle.Count} more {(idle.Count == 1 ? "capability" : "capabilities")} without calls in the window (not enough evidence): "
                + $"{Markup.Escape(string.Join(", ", idle.Take(8).Select(c => VrioText.Ref(c.Capability.Ref))))}{(idle.Count > 8 ? ", ..." : "")}; --all lists them[/]");
        }

        foreach (var note in report.Notes)
        {
            context.Output.Warning(note);
        }
    }

    private static string Cell(Indicator i) => !i.Sufficient ? "[grey]?[/]" : i.Met ? "[green]yes[/]" : "[red]no[/]";

    private static Command Capabilities(CommandRunner runner)
    {
        var kind = new Option<string?>("--kind") { Description = "model, tool or workflow" };
        var command = new Command("capabilities", "The capabilities of your tenant (registries and usage) and their metadata") { kind };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Vrio.ListCapabilitiesAsync(new ListCapabilitiesRequest { Kind = context.Parse.GetValue(kind) ?? "" }, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (var header in new[] { "Capability", "Owner", "Category", "Provenance", "SLO", "Budget", "Seen in" })
            {
                table.AddColumn(header);
            }

            foreach (var c in response.Capabilities)
            {
                table.AddRow(Markup.Escape(VrioText.Ref(c.Ref)), Markup.Escape(c.Owner), Markup.Escape(c.Category), ProvenanceName(c.Provenance),
                    c.SloSuccessRate > 0 ? $"{c.SloSuccessRate.ToString(CultureInfo.InvariantCulture)} / p95 {c.SloP95Ms.ToString(CultureInfo.InvariantCulture)} ms" : "",
                    Markup.Escape(c.BudgetUsd), string.Join(", ", c.SeenIn));
            }

            context.Output.Console.Write(table);
            foreach (var note in response.Notes)
            {
                context.Output.Warning(note);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Set(CommandRunner runner)
    {
        var capability = new Argument<string>("capability") { Description = "kind:name[@version], e.g. model:all-MiniLM-L6-v2 or tool:calculator" };
        var owner = new Option<string?>("--owner") { Description = "Who answers for it" };
        var category = new Option<string?>("--category") { Description = "The job it does; capabilities of a category are substitutes" };
        var provenance = new Option<string?>("--provenance") { Description = "public_api, open_model, licensed, fine_tuned, in_house or own_data" };
        var slo = new Option<double>("--slo-success") { Description = "Success-rate objective, 0..1" };
        var p95 = new Option<double>("--slo-p95-ms") { Description = "p95 latency objective in ms" };
        var budget = new Option<string?>("--budget") { Description = "Budget in USD per window" };
        var reserved = new Option<double>("--reserved-device-seconds") { Description = "Device time reserved for it per window" };
        var command = new Command("set", "Set a capability's metadata (replaces what was set)") { capability, owner, category, provenance, slo, p95, budget, reserved };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var metadata = new Capability
            {
                Ref = ParseRef(parse.GetValue(capability) ?? ""),
                Owner = parse.GetValue(owner) ?? "",
                Category = parse.GetValue(category) ?? "",
                Provenance = ParseProvenance(parse.GetValue(provenance)),
                SloSuccessRate = parse.GetValue(slo),
                SloP95Ms = parse.GetValue(p95),
                BudgetUsd = parse.GetValue(budget) ?? "",
                ReservedDeviceSeconds = parse.GetValue(reserved),
            };
            var saved = await context.Clients.Vrio.SetCapabilityAsync(metadata, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(saved);
            }
            else
            {
                context.Output.Console.MarkupLine($"set [bold]{Markup.Escape(VrioText.Ref(saved.Ref))}[/]: owner {Markup.Escape(saved.Owner)}, category {Markup.Escape(saved.Category)}, {ProvenanceName(saved.Provenance)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command OutcomeCommand(CommandRunner runner)
    {
        var id = new Argument<string>("outcome-id") { Description = "Your id for the outcome (a repeat is stored once)" };
        var run = new Option<string?>("--run") { Description = "The agent run it is the outcome of" };
        var capability = new Option<string?>("--capability") { Description = "Or the capability (kind:name[@version]) whose call it is the outcome of" };
        var failed = new Option<bool>("--failed") { Description = "The run or call did not achieve its goal" };
        var value = new Option<string?>("--value") { Description = "What the outcome is worth, in USD (e.g. 4 for a resolved ticket)" };
        var score = new Option<double?>("--score") { Description = "A quality score, 0..1" };
        var command = new Command("outcome", "Record the outcome of a run or call") { id, run, capability, failed, value, score };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var outcome = new Outcome { OutcomeId = parse.GetValue(id) ?? "", RunId = parse.GetValue(run) ?? "", Success = !parse.GetValue(failed), ValueUsd = parse.GetValue(value) ?? "" };
            if (parse.GetValue(capability) is { Length: > 0 } c)
            {
                outcome.Capability = ParseRef(c);
            }

            if (parse.GetValue(score) is { } s)
            {
                outcome.Score = s;
            }

            var recorded = await context.Clients.Vrio.RecordOutcomeAsync(outcome, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(recorded);
            }
            else
            {
                context.Output.Console.MarkupLine(recorded.Duplicate ? $"outcome {Markup.Escape(outcome.OutcomeId)} was already recorded" : $"recorded outcome {Markup.Escape(outcome.OutcomeId)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary><c>kind:name[@version]</c>.</summary>
    public static CapabilityRef ParseRef(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new CliUsageException($"'{text}' is not kind:name[@version], e.g. model:all-MiniLM-L6-v2 or tool:calculator@1");
        }

        var rest = text[(colon + 1)..];
        var at = rest.LastIndexOf('@');
        return new CapabilityRef { Kind = text[..colon], Name = at > 0 ? rest[..at] : rest, Version = at > 0 ? rest[(at + 1)..] : "" };
    }

    private static Provenance ParseProvenance(string? text) => (text ?? "").Trim().ToLowerInvariant().Replace("-", "_", StringComparison.Ordinal) switch
    {
        "" => Provenance.Unspecified,
        "public_api" => Provenance.PublicApi,
        "open_model" => Provenance.OpenModel,
        "licensed" => Provenance.Licensed,
        "fine_tuned" => Provenance.FineTuned,
        "in_house" => Provenance.InHouse,
        "own_data" => Provenance.OwnData,
        _ => throw new CliUsageException($"--provenance '{text}': use public_api, open_model, licensed, fine_tuned, in_house or own_data"),
    };

    private static string ProvenanceName(Provenance p) => p == Provenance.Unspecified ? "" : p.ToString();
}
