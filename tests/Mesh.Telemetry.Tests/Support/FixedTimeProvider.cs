namespace Mesh.Telemetry.Tests.Support;

/// <summary>A clock that always reads <paramref name="now"/> (timers still run on the system clock).</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
