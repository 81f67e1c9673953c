namespace Mesh.Identity.Budgets;

/// <summary>Says which limit of a budget refused a reservation, in numbers a person can act on.</summary>
internal static class BudgetMessages
{
    public static string Exhausted(BudgetRecord budget, long costNanos, long tokens, long minute)
    {
        var limits = budget.Limits;
        var name = limits.Scope == "tenant" ? $"tenant {limits.TenantId}" : $"{limits.Scope} in tenant {limits.TenantId}";
        if (limits.CostLimitNanos is { } cost && budget.SpentNanos + budget.ReservedNanos + costNanos > cost || budget.SpentNanos + budget.ReservedNanos >= (limits.CostLimitNanos ?? long.MaxValue))
        {
            return $"budget of {name} is used up: ${Nanos.Format(budget.SpentNanos)} spent and ${Nanos.Format(budget.ReservedNanos)} reserved of "
                + $"${Nanos.Format(limits.CostLimitNanos!.Value)}{PeriodText(limits.Period)}; this call may cost up to ${Nanos.Format(costNanos)}";
        }

        if (limits.TokenLimit is { } tokenLimit && budget.TokensUsed + budget.TokensReserved + tokens > tokenLimit || budget.TokensUsed + budget.TokensReserved >= (limits.TokenLimit ?? long.MaxValue))
        {
            return $"token quota of {name} is used up: {budget.TokensUsed} used and {budget.TokensReserved} reserved of {limits.TokenLimit}{PeriodText(limits.Period)}";
        }

        return budget.WindowMinute == minute
            ? $"rate limit of {name} reached: {budget.WindowCount} of {limits.RequestsPerMinute} requests this minute; retry in a minute"
            : $"budget of {name} refused the reservation";
    }

    private static string PeriodText(string period) => period == BudgetPeriods.None ? "" : $" this {period}";
}
