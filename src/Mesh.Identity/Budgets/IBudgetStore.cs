namespace Mesh.Identity.Budgets;

/// <summary>
/// Budgets and their reservations. A reservation charges every applicable budget in one
/// transaction or none of them, so concurrent requests can never together exceed a limit.
/// </summary>
public enum SettleResult
{
    Settled,
    AlreadySettled,
    Unknown,
}

public interface IBudgetStore
{
    void Set(BudgetLimits limits, DateTimeOffset now);

    bool Delete(string tenantId, string scope);

    IReadOnlyList<BudgetRecord> List(string tenantId, DateTimeOffset now);

    /// <summary>Are there budgets for any of <paramref name="scopes"/>? (Lets unbudgeted work skip the write.)</summary>
    bool Any(string tenantId, IReadOnlyList<string> scopes);

    ReserveResult Reserve(string tenantId, IReadOnlyList<string> scopes, long costNanos, long tokens, DateTimeOffset now);

    /// <summary>Charges the real spend and releases the reservation; settling it again charges nothing more.</summary>
    SettleResult Settle(string reservationId, long costNanos, long tokens);

    /// <summary>
    /// Charges billed work that no reservation covered to the budgets of <paramref name="scopes"/>,
    /// once per <paramref name="eventId"/>: false when that event was charged before.
    /// </summary>
    bool Charge(string tenantId, IReadOnlyList<string> scopes, string eventId, long costNanos, long tokens, DateTimeOffset now);

    /// <summary>Charges reservations older than <paramref name="before"/> in full (their work may have run) and removes them.</summary>
    int Expire(DateTimeOffset before);
}
