namespace Mesh.Identity.Budgets;

/// <summary>
/// The state a reservation at a given time sees: spend of a past period and requests of a past
/// minute count as zero. The stores admit a reservation on that state while spent + reserved is
/// under each limit (and requests under the rate), each in its own SQL: a budget can be used up
/// completely, and a burst overspends it by at most one call's maximum.
/// </summary>
internal static class BudgetAdmission
{
    /// <summary>The state as a reservation at <paramref name="now"/> sees it.</summary>
    public static BudgetRecord At(BudgetRecord budget, DateTimeOffset now)
    {
        var start = BudgetPeriods.StartOf(budget.Limits.Period, now);
        budget = budget.WindowMinute == Minute(now) ? budget : budget with { WindowCount = 0 };
        return budget.Limits.Period != BudgetPeriods.None && budget.PeriodStart < start
            ? budget with { PeriodStart = start, SpentNanos = 0, TokensUsed = 0 }
            : budget;
    }

    public static long Minute(DateTimeOffset now) => now.ToUnixTimeSeconds() / 60;
}

/// <summary>A reservation's life: open until settled, or expired (charged in full) when never settled in time.</summary>
internal static class ReservationStates
{
    public const string Open = "open";
    public const string Settled = "settled";
    public const string Expired = "expired";
}

/// <summary>What closing a reservation moves in each of its budgets: the reservation released, the spend charged.</summary>
internal readonly record struct ReservationCharge(long ReleaseCost, long ReleaseTokens, long SpendCost, long SpendTokens)
{
    /// <summary>Settling: the real spend replaces the reservation; an expired one was charged in full already and is corrected by the difference.</summary>
    public static ReservationCharge Settle(string state, long reservedCost, long reservedTokens, long costNanos, long tokens) => state == ReservationStates.Expired
        ? new(0, 0, costNanos - reservedCost, tokens - reservedTokens)
        : new(reservedCost, reservedTokens, costNanos, tokens);

    /// <summary>Expiring: everything reserved becomes spend, since the work may have run.</summary>
    public static ReservationCharge Expire(long reservedCost, long reservedTokens) => new(reservedCost, reservedTokens, reservedCost, reservedTokens);
}
