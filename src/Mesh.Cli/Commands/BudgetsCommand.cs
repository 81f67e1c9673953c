using System.CommandLine;
using Mesh.Identity.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh budgets [list]|set|delete</c>: cost, token and rate limits per tenant, user and agent.</summary>
public static class BudgetsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("budgets", "Set and see budgets: cost (USD), tokens and requests per minute");

        var scope = new Option<string>("--scope") { Description = "tenant, user:<id> or agent:<id>", DefaultValueFactory = _ => "tenant" };
        var usd = new Option<string?>("--usd") { Description = "Cost limit in US dollars, e.g. 25.50", HelpName = "amount" };
        var tokens = new Option<long>("--tokens") { Description = "Token limit (0: none)" };
        var rpm = new Option<int>("--rpm") { Description = "Requests per minute (0: none)" };
        var period = new Option<string>("--period") { Description = "When spend starts again from zero: none, day or month", DefaultValueFactory = _ => "none" };
        period.AcceptOnlyFromAmong("none", "day", "month");
        var set = new Command("set", "Set a budget (tenant admins)") { scope, usd, tokens, rpm, period };
        runner.SetAction(set, async (context, cancellationToken) =>
        {
            var budget = await context.Clients.Budgets.SetBudgetAsync(new SetBudgetRequest
            {
                Scope = context.Parse.GetValue(scope) ?? "tenant",
                CostLimitUsd = context.Parse.GetValue(usd) ?? "",
                TokenLimit = context.Parse.GetValue(tokens),
                RequestsPerMinute = context.Parse.GetValue(rpm),
                Period = context.Parse.GetValue(period) ?? "none",
            }, context.Clients.Options(cancellationToken));
            return Table(context, new ListBudgetsResponse { Budgets = { budget } });
        });

        // `mesh budgets` alone lists them, as `mesh budgets list` does.
        var list = new Command("list", "Show budgets, what is spent, reserved and left, and how many more calls of each model or tool that allows");
        runner.SetAction(list, ListAsync);
        runner.SetAction(command, ListAsync);

        var which = new Option<string>("--scope") { Description = "tenant, user:<id> or agent:<id>", DefaultValueFactory = _ => "tenant" };
        var delete = new Command("delete", "Remove a budget (tenant admins)") { which };
        runner.SetAction(delete, async (context, cancellationToken) =>
        {
            var budget = await context.Clients.Budgets.DeleteBudgetAsync(new DeleteBudgetRequest { Scope = context.Parse.GetValue(which) ?? "tenant" },
                context.Clients.Options(cancellationToken));
            return IdentityTables.Done(context, budget, $"deleted the budget of {budget.Scope}");
        });

        command.Subcommands.Add(set);
        command.Subcommands.Add(list);
        command.Subcommands.Add(delete);
        return command;
    }

    private static async Task<int> ListAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var budgets = await context.Clients.Budgets.ListBudgetsAsync(new ListBudgetsRequest(), context.Clients.Options(cancellationToken));
        var exit = Table(context, budgets);
        if (!context.Output.Json)
        {
            await BudgetAllowance.PrintAsync(context, budgets, cancellationToken);
        }

        return exit;
    }

    private static int Table(CommandContext context, ListBudgetsResponse response) =>
        IdentityTables.Print(context, response, ["Scope", "Limit $", "Spent $", "Reserved $", "Used", "Left $", "Tokens", "Req/min", "Period"],
            response.Budgets.Select(b => new[]
            {
                b.Scope,
                b.CostLimitUsd.Length > 0 ? b.CostLimitUsd : "-",
                b.SpentUsd,
                b.ReservedUsd,
                BudgetAllowance.Utilization(b),
                b.RemainingUsd.Length > 0 ? b.RemainingUsd : "-",
                b.TokenLimit > 0 ? $"{b.TokensUsed}/{b.TokenLimit}" : b.TokensUsed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                b.RequestsPerMinute > 0 ? $"{b.RequestsThisMinute}/{b.RequestsPerMinute}" : "-",
                b.Period,
            }));
}
