using System.Globalization;

namespace Mesh.Identity.Budgets;

/// <summary>A budget's limits: cost in nano-dollars, tokens and requests per minute (null: no limit).</summary>
public sealed record BudgetLimits(string TenantId, string Scope, long? CostLimitNanos, long? TokenLimit, int? RequestsPerMinute, string Period);

/// <summary>A budget with its state.</summary>
public sealed record BudgetRecord(
    BudgetLimits Limits,
    DateTimeOffset PeriodStart,
    long SpentNanos,
    long ReservedNanos,
    long TokensUsed,
    long TokensReserved,
    long WindowMinute,
    int WindowCount);

/// <summary>The result of a reservation: its id (empty when no budget applies) and what it holds, or the budget that refused.</summary>
public sealed record ReserveResult(string ReservationId, string ExhaustedScope, string Reason, long ReservedNanos = 0)
{
    public bool Exhausted => ExhaustedScope.Length > 0;
}

/// <summary>What a call in a batch of <paramref name="BatchSize"/> calls in flight costs at most.</summary>
public sealed record BatchedCost(long CostNanos, int BatchSize);

/// <summary>
/// What a reservation asks for: the call's cost alone (the most it can take) and its tokens, and
/// for batched work its cost in the batch it is expected to join. The store reserves the batched
/// cost only when every budget has room for the whole batch at it, else the cost alone; and never
/// more than the room left, so the last call a budget admits holds what is left (and is billed
/// at most that: work is billed at most its reservation). A burst therefore overspends by at most
/// one call's maximum, and a budget can be spent to its end.
/// </summary>
public sealed record ReservationAsk(long CostNanos, long Tokens, BatchedCost? Batched = null)
{
    /// <summary>The cost to reserve, given the smallest room (limit - spent - reserved) of the budgets that have a cost limit, if any.</summary>
    public long CostFor(long? smallestRoom)
    {
        var cost = Batched is { } batched && (smallestRoom is not { } whole || whole >= (decimal)batched.CostNanos * batched.BatchSize)
            ? batched.CostNanos
            : CostNanos;
        return smallestRoom is { } room && room > 0 ? Math.Min(cost, room) : cost;
    }
}

/// <summary>Dollars as integer nano-dollars, the unit budgets count in (costs have nine fractional digits).</summary>
public static class Nanos
{
    private const decimal PerDollar = 1_000_000_000m;

    /// <summary>Rounds up: a reservation never covers less than the cost.</summary>
    public static long FromUsdCeiling(decimal usd) => (long)Math.Ceiling(usd * PerDollar);

    public static long FromUsd(decimal usd) => (long)Math.Round(usd * PerDollar, MidpointRounding.ToEven);

    public static decimal ToUsd(long nanos) => nanos / PerDollar;

    public static string Format(long nanos) => ToUsd(nanos).ToString("0.#########", CultureInfo.InvariantCulture);

    public static bool TryParseUsd(string? text, out decimal usd) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out usd) && usd >= 0 && usd < 1_000_000_000m;
}

/// <summary>Budget periods: spend starts again from zero at each period's start (UTC).</summary>
public static class BudgetPeriods
{
    public const string None = "none";
    public const string Day = "day";
    public const string Month = "month";

    public static bool IsKnown(string period) => period is None or Day or Month;

    public static DateTimeOffset StartOf(string period, DateTimeOffset now) => period switch
    {
        Day => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero),
        Month => new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero),
        _ => DateTimeOffset.UnixEpoch,
    };
}
