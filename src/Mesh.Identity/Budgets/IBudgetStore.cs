namespace Mesh.Identity.Budgets;

/// <summary>What settling a reservation did.</summary>
public enum SettleResult
{
    /// <summary>The real spend was charged (or, for an expired reservation, the full charge corrected to it).</summary>
    Settled,

    /// <summary>It was settled before; nothing more was charged.</summary>
    AlreadySettled,

    /// <summary>No such reservation: never made, or closed more than a day ago and removed.</summary>
    Unknown,
}

/// <summary>
/// Budgets and their reservations. A reservation charges every applicable budget in one
/// transaction or none of them. It is admitted while every applicable budget still has room
/// (spent + reserved under each limit, requests this minute under the rate); it need not fit
/// whole, so a budget can be used up completely, and concurrent requests together overspend
/// each budget by at most one call's maximum.
/// </summary>
public interface IBudgetStore
{
    void Set(BudgetLimits limits, DateTimeOffset now);

    bool Delete(string tenantId, string scope);

    IReadOnlyList<BudgetRecord> List(string tenantId, DateTimeOffset now);

    /// <summary>Are there budgets for any of <paramref name="scopes"/>? (Lets unbudgeted work skip the write.)</summary>
    bool Any(string tenantId, IReadOnlyList<string> scopes);

    /// <summary>Reserves <paramref name="ask"/> in every budget of <paramref name="scopes"/> that exists, or in none (see <see cref="ReservationAsk"/>).</summary>
    ReserveResult Reserve(string tenantId, IReadOnlyList<string> scopes, ReservationAsk ask, DateTimeOffset now);

    /// <summary>
    /// Charges the real spend and releases the reservation. Idempotent: a settled reservation
    /// is remembered (for a day, see <see cref="Purge"/>) and settling it again charges nothing.
    /// A reservation that expired was charged in full; settling it late corrects the spend by
    /// the real amount minus the reserved one.
    /// </summary>
    SettleResult Settle(string reservationId, long costNanos, long tokens);

    /// <summary>
    /// Charges billed work that no reservation covered to the budgets of <paramref name="scopes"/>,
    /// once per <paramref name="eventId"/> (remembered for a day, see <see cref="Purge"/>): false
    /// when that event was charged before.
    /// </summary>
    bool Charge(string tenantId, IReadOnlyList<string> scopes, string eventId, long costNanos, long tokens, DateTimeOffset now);

    /// <summary>
    /// Charges open reservations made before <paramref name="before"/> in full (their work may
    /// have run) and marks them expired; they stay for a late settle. Returns how many.
    /// </summary>
    int Expire(DateTimeOffset before);

    /// <summary>Removes settled and expired reservations closed before <paramref name="closedBefore"/>; returns how many.</summary>
    int Purge(DateTimeOffset closedBefore);
}

public static class BudgetStoreExtensions
{
    /// <summary>Reserves a fixed cost and tokens (work that is not batched).</summary>
    public static ReserveResult Reserve(this IBudgetStore store, string tenantId, IReadOnlyList<string> scopes, long costNanos, long tokens, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Reserve(tenantId, scopes, new ReservationAsk(costNanos, tokens), now);
    }
}
