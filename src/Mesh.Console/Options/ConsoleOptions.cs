namespace Mesh.Console.Options;

/// <summary>The console's settings (<c>Mesh:Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Mesh:Console";

    /// <summary>A session nobody used for this long is forgotten (the key with it).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>A session ends this long after sign-in, however busy.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The deadline of each call the console makes to a service for a page.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a live view (a run, the alerts) follows its stream before the browser reconnects.</summary>
    public TimeSpan LiveStreamLimit { get; set; } = TimeSpan.FromMinutes(30);

    public IEnumerable<string> Problems()
    {
        if (SessionIdleTimeout <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:SessionIdleTimeout must be positive (it is {SessionIdleTimeout})";
        }

        if (SessionLifetime < SessionIdleTimeout)
        {
            yield return $"{SectionName}:SessionLifetime ({SessionLifetime}) must be at least SessionIdleTimeout ({SessionIdleTimeout})";
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(10))
        {
            yield return $"{SectionName}:RequestTimeout must be between 0 and 10 minutes (it is {RequestTimeout})";
        }

        if (LiveStreamLimit < TimeSpan.FromSeconds(10))
        {
            yield return $"{SectionName}:LiveStreamLimit must be at least 10 seconds (it is {LiveStreamLimit})";
        }
    }
}
