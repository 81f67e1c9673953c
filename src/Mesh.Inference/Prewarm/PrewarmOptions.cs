namespace Mesh.Inference.Prewarm;

/// <summary>Predictive pre-warm (<c>Mesh:Inference:Prewarm</c>): off unless enabled.</summary>
public sealed class PrewarmOptions
{
    public const string SectionName = "Mesh:Inference:Prewarm";

    /// <summary>Load models telemetry forecasts to be busy before their peak.</summary>
    public bool Enabled { get; set; }

    /// <summary>How often telemetry's capacity view is read.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far ahead a forecast peak loads a model.</summary>
    public int LookaheadHours { get; set; } = 1;

    /// <summary>Forecast calls per hour from which a model counts as busy.</summary>
    public double BusyCallsPerHour { get; set; } = 1;

    public IEnumerable<string> Problems()
    {
        if (Interval < TimeSpan.FromSeconds(10) || Interval > TimeSpan.FromHours(6))
        {
            yield return $"{SectionName}:Interval must be between 10 seconds and 6 hours (it is {Interval})";
        }

        if (LookaheadHours is < 1 or > 48)
        {
            yield return $"{SectionName}:LookaheadHours must be between 1 and 48 (it is {LookaheadHours})";
        }

        if (BusyCallsPerHour < 0 || !double.IsFinite(BusyCallsPerHour))
        {
            yield return $"{SectionName}:BusyCallsPerHour must not be negative (it is {BusyCallsPerHour})";
        }
    }
}
