using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics.Forecasting;

/// <summary>Reads a tenant's or resource's history per hour or day and forecasts it (<see cref="Forecaster"/>).</summary>
public sealed class ForecastReader(MetricsEngine metrics, TimeProvider time)
{
    private static readonly string[] Metrics = ["events", "tokens", "cost_usd"];

    public async Task<ForecastReport> ForecastAsync(ForecastQuery request, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metric = request.Metric.Length == 0 ? "events" : request.Metric.Trim().ToLowerInvariant();
        if (!Metrics.Contains(metric))
        {
            throw MeshErrors.InvalidArgument("metric", $"'{request.Metric}' cannot be forecast; use events, tokens or cost_usd");
        }

        var bucket = request.Bucket.Length == 0 ? TimeBucket.Hour : TimeBucket.Parse(request.Bucket);
        if (bucket != TimeBucket.Hour && bucket != TimeBucket.Day)
        {
            throw MeshErrors.InvalidArgument("bucket", $"'{request.Bucket}' is not a forecast bucket; use hour (a daily season) or day (a weekly season)");
        }

        var season = bucket == TimeBucket.Hour ? 24 : 7;
        var horizon = request.Horizon == 0 ? season : request.Horizon;
        var history = request.History == 0 ? 14 * season : request.History;
        if (horizon is < 1 or > 1000 || history is < 1 or > MetricsQueryParser.MaxPoints)
        {
            throw MeshErrors.InvalidArgument(horizon is < 1 or > 1000 ? "horizon" : "history", $"horizon must be 1 to 1000 buckets and history 1 to {MetricsQueryParser.MaxPoints}");
        }

        // Whole buckets only: the one in progress would look like a drop.
        var end = bucket.Start(time.GetUtcNow().UtcDateTime);
        var start = end.AddSeconds(-bucket.Seconds * history);
        var spec = new MetricsSpec
        {
            From = start,
            To = end,
            Bucket = bucket,
            TenantId = QueryScope.Tenant(request.TenantId, caller),
            Filters = request.Resource.Length == 0 ? [] : [("resource", request.Resource)],
            Metrics = [metric],
            Limit = 1,
        };
        var result = await metrics.RunAsync(spec, cancellationToken);
        var byBucket = result.Rows.ToDictionary(r => r.Bucket, r => r.Values[0]);
        var series = Enumerable.Range(0, history).Select(i => start.AddSeconds(bucket.Seconds * i)).ToList();
        // History starts at the first bucket with usage: zeros before it are not history.
        var first = series.FindIndex(t => byBucket.ContainsKey(Seconds(t)));
        var observed = first < 0 ? [] : series.Skip(first).ToList();
        var values = observed.Select(t => byBucket.GetValueOrDefault(Seconds(t))).ToList();
        var forecast = Forecaster.Run(values, season, horizon);

        var report = new ForecastReport
        {
            Metric = metric,
            Bucket = bucket.Name,
            Season = season,
            EnoughHistory = forecast.EnoughHistory,
            Method = forecast.Method,
            Mase = forecast.Mase,
            SeasonalNaiveMase = forecast.SeasonalNaiveMase,
            Note = forecast.EnoughHistory
                ? $"{forecast.Method.Replace('_', ' ')} chosen by a {Forecaster.Folds}-fold rolling backtest over {values.Count} {bucket.Name}s"
                : forecast.Note,
        };
        report.History.AddRange(observed.Select((t, i) => new ForecastPoint { At = Stamp(t), Value = values[i], Lower = values[i], Upper = values[i] }));
        report.Points.AddRange(forecast.Points.Select((p, i) => new ForecastPoint { At = Stamp(end.AddSeconds(bucket.Seconds * i)), Value = p.Value, Lower = p.Lower, Upper = p.Upper }));
        return report;
    }

    private static long Seconds(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;

    private static Timestamp Stamp(DateTime utc) => Timestamp.FromDateTime(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}
