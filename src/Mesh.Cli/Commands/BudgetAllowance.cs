using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>How much of a budget is used, and how many more calls of each model or tool its remainder pays for at their recent cost.</summary>
public static class BudgetAllowance
{
    private static readonly TimeSpan Recent = TimeSpan.FromHours(24);

    /// <summary>Spent and reserved as a share of the cost limit, e.g. <c>42.5%</c>; <c>-</c> without a cost limit.</summary>
    public static string Utilization(Budget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return TryUsd(budget.CostLimitUsd, out var limit) && limit > 0 && TryUsd(budget.SpentUsd, out var spent) && TryUsd(budget.ReservedUsd, out var reserved)
            ? ((spent + reserved) / limit).ToString("0.0%", CultureInfo.InvariantCulture)
            : "-";
    }

    /// <summary>Prints, per model and tool used in the last day, its average cost per call and how many calls each budget's remainder allows.</summary>
    public static async Task PrintAsync(CommandContext context, ListBudgetsResponse budgets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(budgets);
        var limited = budgets.Budgets.Where(b => TryUsd(b.RemainingUsd, out _)).ToList();
        if (limited.Count == 0)
        {
            return;
        }

        UsageReport report;
        try
        {
            var now = DateTimeOffset.UtcNow;
            report = await context.Clients.Analytics.GetUsageAsync(new UsageQuery
            {
                From = Timestamp.FromDateTimeOffset(now - Recent),
                To = Timestamp.FromDateTimeOffset(now),
                GroupBy = { Dimension.Resource, Dimension.Kind },
                // The budgets' own tenant: a mesh admin's query would otherwise average every tenant's calls.
                TenantId = limited[0].TenantId,
            }, context.Clients.Options(cancellationToken));
        }
        catch (RpcException ex)
        {
            context.Output.Console.MarkupLineInterpolated($"[grey]calls left per model: telemetry did not answer ({ex.Status.Detail})[/]");
            return;
        }

        var costs = report.Rows
            .Where(r => r.Keys[1] != "audit" && r.Events > 0 && TryUsd(r.CostUsd, out var c) && c > 0)
            .Select(r => (Resource: r.Keys[0], PerCall: decimal.Parse(r.CostUsd, CultureInfo.InvariantCulture) / r.Events))
            .OrderBy(r => r.Resource, StringComparer.Ordinal)
            .ToList();
        if (costs.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("Model or tool").AddColumn("Avg $ per call (24h)");
        foreach (var budget in limited)
        {
            table.AddColumn($"Calls left: {budget.Scope}");
        }

        foreach (var (resource, perCall) in costs)
        {
            var cells = new List<string> { resource, perCall.ToString("0.#########", CultureInfo.InvariantCulture) };
            cells.AddRange(limited.Select(b => TryUsd(b.RemainingUsd, out var left) ? Math.Floor(left / perCall).ToString("N0", CultureInfo.InvariantCulture) : "-"));
            table.AddRow([.. cells.Select(c => new Text(c))]);
        }

        context.Output.Console.Write(table);
    }

    private static bool TryUsd(string text, out decimal usd) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out usd);
}
