namespace Mesh.Tools.Idempotency;

/// <summary>
/// Idempotency records: per tenant, a key's fingerprint, the call holding it and, once that call
/// ended, its outcome. SQLite in one process (<see cref="SqliteIdempotencyStore"/>); PostgreSQL
/// where replicas serve the same tenants (<see cref="PostgresIdempotencyStore"/>). Every method is
/// one atomic statement or transaction, so replicas may race.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>
    /// Claims <see cref="IdempotencyClaimRequest.Key"/> for one call, or says what an earlier
    /// call with it left: its outcome, a different fingerprint, or a call still running. A claim
    /// whose holder let <c>ClaimedUntil</c> pass without an outcome (it died) is taken over.
    /// </summary>
    ValueTask<IdempotencyClaim> ClaimAsync(IdempotencyClaimRequest request, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// What a completed call left under the key (its outcome, or a mismatch with its fingerprint)
    /// without taking the write lock: the path of a repeat. Null when there is no completed record.
    /// </summary>
    ValueTask<IdempotencyClaim?> PeekAsync(string tenant, string key, byte[] fingerprint, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Stores the outcome of the call holding the claim; false when the claim is no longer its own.</summary>
    ValueTask<bool> CompleteAsync(string tenant, string key, string claimId, StoredOutcome outcome, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Gives the key back (the call reached no outcome): the next call with it runs.</summary>
    ValueTask ReleaseAsync(string tenant, string key, string claimId, CancellationToken cancellationToken);

    /// <summary>Removes records that expired before <paramref name="now"/>; how many.</summary>
    ValueTask<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A call asking to hold <paramref name="Key"/> of <paramref name="Tenant"/>.</summary>
public sealed record IdempotencyClaimRequest(
    string Tenant,
    string Key,
    byte[] Fingerprint,
    string Tool,
    string ClaimId,
    DateTimeOffset ClaimedUntil,
    DateTimeOffset ExpiresAt);

public enum ClaimState
{
    /// <summary>The call holds the key: run it, then complete or release.</summary>
    Claimed,

    /// <summary>An earlier call with the same fingerprint ended: answer its outcome.</summary>
    Completed,

    /// <summary>An earlier call with the same fingerprint is still running.</summary>
    Running,

    /// <summary>The key was used for a different call (another tool, version or arguments).</summary>
    Mismatch,
}

/// <summary>What <see cref="IIdempotencyStore.ClaimAsync"/> found.</summary>
/// <param name="Tool">The tool the key was first used for.</param>
/// <param name="TakenOver">The claim belonged to a call that died before it finished.</param>
public sealed record IdempotencyClaim(ClaimState State, string Tool, StoredOutcome? Outcome = null, DateTimeOffset? RunningUntil = null, bool TakenOver = false);

/// <summary>
/// The outcome of a call, as stored: a status (0 = OK) with its detail and field, and the
/// serialized response of a successful call.
/// </summary>
public sealed record StoredOutcome(int Status, string Detail, string Field, byte[] Response);
