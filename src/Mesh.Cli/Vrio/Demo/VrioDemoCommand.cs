using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Mesh.Cli.Commands;
using Mesh.Telemetry.V1;
using Mesh.Usage.V1;
using Spectre.Console;

namespace Mesh.Cli.Vrio.Demo;

/// <summary>
/// <c>mesh demo vrio</c>: publishes the demo tenants' traffic through telemetry's usage ingest
/// (backdated, with an admin key) and sets their capabilities' metadata, so that
/// <c>mesh vrio --tenant demo-support</c> shows every verdict. Running it again stores nothing twice:
/// the events keep their ids and metadata already set is left alone.
/// </summary>
public static class VrioDemoCommand
{
    /// <summary>Most events per publish call (telemetry takes up to 10,000).</summary>
    public const int Batch = 5_000;

    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command(
            "vrio",
            $"Seed {DemoTenants.Days} days of synthetic traffic, outcomes and capability metadata for the demo tenants ({string.Join(", ", DemoTenants.All.Select(t => t.Id))}), "
            + "then see their VRIO reports with mesh vrio --tenant <id>. Needs an admin key; running it again adds nothing twice");
        runner.SetAction(command, RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var now = context.Time.GetUtcNow().UtcDateTime;
        var results = new List<Seeded>();
        foreach (var tenant in DemoTenants.All)
        {
            results.Add(await SeedAsync(context, tenant, now, cancellationToken));
        }

        if (context.Output.Json)
        {
            context.Output.WriteRawJson(JsonSerializer.Serialize(results.Select(r => new { tenant = r.Tenant.Id, stored = r.Stored, already_stored = r.Duplicates, outcomes = r.Outcomes, metadata_set = r.Described })));
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"VRIO demo: {DemoTenants.Days} days of traffic up to {now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
        foreach (var header in new[] { "Tenant", "What it is", "Events stored", "Already stored", "Outcomes", "Metadata set" })
        {
            table.AddColumn(header);
        }

        foreach (var r in results)
        {
            table.AddRow(Markup.Escape(r.Tenant.Id), Markup.Escape(r.Tenant.Story), Number(r.Stored), Number(r.Duplicates), Number(r.Outcomes), Number(r.Described));
        }

        context.Output.Console.Write(table);
        context.Output.Console.MarkupLine("See their reports: " + string.Join("  ", results.Select(r => $"[bold]mesh vrio --tenant {Markup.Escape(r.Tenant.Id)}[/]")));
        return ExitCodes.Success;
    }

    private static async Task<Seeded> SeedAsync(CommandContext context, DemoTenant tenant, DateTime now, CancellationToken cancellationToken)
    {
        var events = DemoMonth.Events(tenant, now).ToList();
        long stored = 0, duplicates = 0;
        foreach (var batch in events.Chunk(Batch))
        {
            var request = new PublishRequest();
            request.Events.AddRange(batch);
            var response = await context.Clients.UsageIngest.PublishAsync(request, context.Clients.Options(cancellationToken));
            if (response.Rejected.Count > 0)
            {
                throw new RpcException(new Grpc.Core.Status(StatusCode.Internal, $"telemetry rejected {response.Rejected.Count} demo events, the first because {response.Rejected[0].Reason}"));
            }

            stored += response.Stored;
            duplicates += response.Duplicates;
        }

        // Metadata is set after the usage, which is what lets telemetry know the capabilities.
        var options = context.Clients.Options(tenant.Id, cancellationToken);
        var listed = await context.Clients.Vrio.ListCapabilitiesAsync(new ListCapabilitiesRequest(), options);
        var described = 0;
        foreach (var metadata in tenant.Metadata)
        {
            var current = listed.Capabilities.Where(c => c.Ref.Kind == metadata.Ref.Kind && c.Ref.Name == metadata.Ref.Name).ToList();
            if (current.Count > 0 && current.All(c => Same(c, metadata)))
            {
                continue;
            }

            await context.Clients.Vrio.SetCapabilityAsync(metadata, context.Clients.Options(tenant.Id, cancellationToken));
            described++;
        }

        return new Seeded(tenant, stored, duplicates, events.Count(e => e.Kind == UsageKind.Outcome), described);
    }

    private static bool Same(Capability a, Capability b) =>
        a.Owner == b.Owner && a.Category == b.Category && a.Provenance == b.Provenance && a.SloSuccessRate.Equals(b.SloSuccessRate)
        && a.SloP95Ms.Equals(b.SloP95Ms) && a.BudgetUsd == b.BudgetUsd && a.ReservedDeviceSeconds.Equals(b.ReservedDeviceSeconds);

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private sealed record Seeded(DemoTenant Tenant, long Stored, long Duplicates, long Outcomes, long Described);
}
