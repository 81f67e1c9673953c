namespace Mesh.Tools.Idempotency;

/// <summary>How long idempotency records live (<c>Mesh:Tools:Idempotency</c>).</summary>
public sealed class IdempotencyOptions
{
    public const string SectionName = "Mesh:Tools:Idempotency";

    /// <summary>How long a key answers with its stored outcome; a resumed run must come back within it.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Added to a tool's timeout to give how long a call holds its key. A call with the same key
    /// after that, while the first never stored an outcome (its process died), runs again.
    /// </summary>
    public TimeSpan ClaimGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often expired records are removed.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<string> Problems()
    {
        if (Retention < TimeSpan.FromMinutes(1))
        {
            yield return $"{SectionName}:Retention must be at least a minute (it is {Retention}); resumed runs repeat keys later than that";
        }

        if (ClaimGrace < TimeSpan.Zero || ClaimGrace > TimeSpan.FromHours(1))
        {
            yield return $"{SectionName}:ClaimGrace must be between 0 and 1 hour (it is {ClaimGrace})";
        }

        if (SweepInterval < TimeSpan.FromSeconds(1))
        {
            yield return $"{SectionName}:SweepInterval must be at least a second (it is {SweepInterval})";
        }
    }
}
