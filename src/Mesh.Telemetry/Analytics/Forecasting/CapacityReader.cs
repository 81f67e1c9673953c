using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics.Forecasting;

/// <summary>
/// The capacity view: per model (over every tenant), its calls per hour forecast for the next
/// hours, and whether that makes it busy, so inference can load it before the peak.
/// </summary>
public sealed class CapacityReader(MetricsEngine metrics, TimeProvider time)
{
    private const int Season = 24;
    private const int HistoryHours = 14 * 24;

    public async Task<CapacityReport> ReadAsync(CapacityQuery request, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsAdmin && caller.Kind != PrincipalKind.Service)
        {
            throw MeshErrors.PermissionDenied("the capacity view spans every tenant: only Mesh services and mesh admins may read it");
        }

        var lookahead = request.LookaheadHours == 0 ? 1 : request.LookaheadHours;
        if (lookahead is < 1 or > 48 || request.BusyCallsPerHour < 0 || !double.IsFinite(request.BusyCallsPerHour))
        {
            throw MeshErrors.InvalidArgument(lookahead is < 1 or > 48 ? "lookahead_hours" : "busy_calls_per_hour", "look 1 to 48 hours ahead, with a non-negative threshold");
        }

        var threshold = request.BusyCallsPerHour == 0 ? 1 : request.BusyCallsPerHour;
        var end = TimeBucket.Hour.Start(time.GetUtcNow().UtcDateTime);
        var start = end.AddHours(-HistoryHours);
        var result = await metrics.RunAsync(new MetricsSpec
        {
            From = start,
            To = end,
            Bucket = TimeBucket.Hour,
            GroupBy = ["resource", "kind"],
            Metrics = ["events"],
            Limit = 10_000,
        }, cancellationToken);
        var report = new CapacityReport { From = Timestamp.FromDateTime(end) };
        foreach (var model in result.Rows.Where(r => r.Keys[1] is "model_call" or "embedding").GroupBy(r => r.Keys[0], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var calls = model.GroupBy(r => r.Bucket).ToDictionary(g => g.Key, g => (double)g.Sum(r => r.Events));
            var first = calls.Keys.Min();
            var hours = (int)((Seconds(end) - first) / 3600);
            var series = Enumerable.Range(0, hours).Select(h => calls.GetValueOrDefault(first + (h * 3600L))).ToList();
            var forecast = Forecaster.Run(series, Season, lookahead);
            var (expected, at) = forecast.EnoughHistory
                ? forecast.Points.Select((p, i) => (p.Value, Hour: i)).MaxBy(p => p.Value)
                : (series.TakeLast(Season).DefaultIfEmpty(0).Max(), 0);
            report.Models.Add(new ModelCapacity
            {
                Model = model.Key,
                ExpectedCalls = expected,
                PeakAt = Timestamp.FromDateTime(end.AddHours(at)),
                Busy = expected >= threshold,
                Method = forecast.Method,
            });
        }

        return report;
    }

    private static long Seconds(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;
}
