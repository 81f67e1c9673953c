namespace Mesh.Tools.Idempotency;

/// <summary>A live idempotency record as a store read it; the rules a claim follows, for every store.</summary>
public sealed record IdempotencyRecord(byte[] Fingerprint, string Tool, DateTimeOffset ClaimedUntil, StoredOutcome? Outcome)
{
    /// <summary>
    /// What a call with <paramref name="fingerprint"/> gets from this record: a mismatch, the stored
    /// outcome, "still running", or null when the record's claim lapsed and the call may take it.
    /// </summary>
    public IdempotencyClaim? Answer(byte[] fingerprint, DateTimeOffset now)
    {
        if (!Fingerprint.AsSpan().SequenceEqual(fingerprint))
        {
            return new IdempotencyClaim(ClaimState.Mismatch, Tool);
        }

        if (Outcome is not null)
        {
            return new IdempotencyClaim(ClaimState.Completed, Tool, Outcome);
        }

        return ClaimedUntil > now ? new IdempotencyClaim(ClaimState.Running, Tool, RunningUntil: ClaimedUntil) : null;
    }
}
