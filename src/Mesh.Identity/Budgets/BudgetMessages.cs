namespace Mesh.Identity.Budgets;

/// <summary>Says which limit of a budget refused a reservation, in numbers a person can act on.</summary>
internal static class BudgetMessages
{
    /// <summary>Why <paramref name="budget"/> (as <see cref="BudgetAdmission.At"/> returns it) has no room.</summary>
    public static string Exhausted(BudgetRecord budget)
    {
        var limits = budget.Limits;
        var name = limits.Scope == "tenant" ? $"tenant {limits.TenantId}" : $"{limits.Scope} in tenant {limits.TenantId}";
        if (limits.CostLimitNanos is { } cost && budget.SpentNanos + budget.ReservedNanos >= cost)
        {
            return $"budget of {name} is used up: ${Nanos.Format(budget.SpentNanos)} spent and ${Nanos.Format(budget.ReservedNanos)} reserved of "
                + $"${Nanos.Format(cost)}{PeriodText(limits.Period)}";
        }

        if (limits.TokenLimit is { } tokens && budget.TokensUsed + budget.TokensReserved >= tokens)
        {
            return $"token quota of {name} is used up: {budget.TokensUsed} used and {budget.TokensReserved} reserved of {tokens}{PeriodText(limits.Period)}";
        }

        return limits.RequestsPerMinute is { } rpm && budget.WindowCount >= rpm
            ? $"rate limit of {name} reached: {budget.WindowCount} of {rpm} requests this minute; retry in a minute"
            : $"budget of {name} refused the reservation";
    }

    private static string PeriodText(string period) => period == BudgetPeriods.None ? "" : $" this {period}";
}
