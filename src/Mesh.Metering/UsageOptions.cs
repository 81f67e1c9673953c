namespace Mesh.Metering;

/// <summary>How a service buffers and ships its usage events (<c>Mesh:Usage</c>).</summary>
public sealed class UsageOptions
{
    public const string SectionName = "Mesh:Usage";

    /// <summary>Events held in memory while telemetry is slow or away.</summary>
    public int BufferCapacity { get; set; } = 100_000;

    /// <summary>Most events sent in one publish call.</summary>
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>Most bytes (serialized events) sent in one publish call; a single larger event goes alone.</summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>Batches on their way to the sink at once: the next ones are filled and sent while earlier ones wait for their acknowledgement.</summary>
    public int MaxBatchesInFlight { get; set; } = 4;

    /// <summary>How long a partial batch waits for more events before it is sent.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// While a batch fills, how often the shipper looks for new events. It does not wake for
    /// each one: a request that publishes into an idle buffer would otherwise pay for waking a
    /// thread, on every call.
    /// </summary>
    public TimeSpan FillPollInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a request waits for buffer space before it fails with ResourceExhausted.</summary>
    public TimeSpan FullBufferWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest pause between retries while telemetry is unreachable.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long shutdown waits for buffered events to be delivered.</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Every problem with the settings, empty when they are valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (BufferCapacity < 1)
        {
            yield return $"{SectionName}:BufferCapacity must be at least 1";
        }

        if (MaxBatchSize < 1 || MaxBatchSize > BufferCapacity)
        {
            yield return $"{SectionName}:MaxBatchSize must be between 1 and BufferCapacity";
        }

        if (MaxBatchesInFlight is < 1 or > 64)
        {
            yield return $"{SectionName}:MaxBatchesInFlight must be between 1 and 64";
        }

        if (MaxBatchBytes < 1024)
        {
            yield return $"{SectionName}:MaxBatchBytes must be at least 1024";
        }

        if (FlushInterval <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:FlushInterval must be positive";
        }

        if (FillPollInterval <= TimeSpan.Zero || FillPollInterval > FlushInterval)
        {
            yield return $"{SectionName}:FillPollInterval must be positive and at most FlushInterval";
        }

        if (FullBufferWait < TimeSpan.Zero)
        {
            yield return $"{SectionName}:FullBufferWait must not be negative";
        }
    }
}
