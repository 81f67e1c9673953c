using Google.Protobuf.WellKnownTypes;
using Mesh.Telemetry.Analytics.Forecasting;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;

namespace Mesh.Telemetry.Tests.Analytics;

public sealed class ForecastTests
{
    /// <summary>Calls per hour peaking at 14:00 UTC, quiet at night, with noise.</summary>
    private static double DailyCycle(int hour, Random noise) =>
        Math.Max(0, 20 + (15 * Math.Cos((hour - 14) * Math.PI / 12)) + (noise.NextDouble() * 4) - 2);

    [Fact]
    public void Run_DailyCycleWithNoise_ForecastsThePeakAndBeatsSeasonalNaive()
    {
        var noise = new Random(3);
        var history = Enumerable.Range(0, 14 * 24).Select(i => DailyCycle(i % 24, noise)).ToList();

        var forecast = Forecaster.Run(history, season: 24, horizon: 24);

        Assert.True(forecast.EnoughHistory);
        var peak = forecast.Points.Select((p, i) => (p.Value, Hour: i)).MaxBy(p => p.Value).Hour;
        Assert.InRange(peak, 13, 15);
        Assert.InRange(forecast.Points[14].Value, 31, 39);
        Assert.True(forecast.Mase <= forecast.SeasonalNaiveMase, $"{forecast.Method} MASE {forecast.Mase} vs naive {forecast.SeasonalNaiveMase}");
        Assert.All(forecast.Points, p => Assert.True(p.Lower <= p.Value && p.Value <= p.Upper && p.Lower >= 0));
        var covered = forecast.Points.Select((p, hour) => DailyCycle(hour, noise) is var actual && actual >= p.Lower && actual <= p.Upper).Count(c => c);
        Assert.True(covered >= 18, $"{covered} of 24 actual values inside the 95% intervals");
    }

    [Fact]
    public void Run_TwoDaysOfHours_SaysNotEnoughHistory()
    {
        var forecast = Forecaster.Run([.. Enumerable.Range(0, 48).Select(i => (double)i)], season: 24, horizon: 24);

        Assert.False(forecast.EnoughHistory);
        Assert.Contains("not enough history: 48 buckets", forecast.Note, StringComparison.Ordinal);
        Assert.Empty(forecast.Points);
    }

    [Fact]
    public async Task GetForecast_FourDaysOfADailyCycle_ForecastsTomorrowsPeakHour()
    {
        var now = new DateTimeOffset(2026, 3, 5, 0, 30, 0, TimeSpan.Zero);
        using var host = new TelemetryHost(now);
        var noise = new Random(9);
        var events = new List<Mesh.Usage.V1.UsageEvent>();
        for (var hour = 0; hour < 4 * 24; hour++)
        {
            var at = now.UtcDateTime.Date.AddDays(-4).AddHours(hour);
            for (var i = 0; i < (int)Math.Round(DailyCycle(hour % 24, noise) / 4); i++)
            {
                events.Add(Events.Embedding(at: at.AddMinutes(i)));
            }
        }

        await host.Ingest.PublishAsync(new PublishRequest { Events = { events } }, TestCalls.As(TestKeys.Admin));

        var report = await host.Analytics.GetForecastAsync(new ForecastQuery { Resource = "all-MiniLM-L6-v2" }, TestCalls.As(TestKeys.Acme));
        var tooShort = await host.Analytics.GetForecastAsync(new ForecastQuery { Resource = "all-MiniLM-L6-v2", Bucket = "day" }, TestCalls.As(TestKeys.Acme));

        Assert.True(report.EnoughHistory, report.Note);
        Assert.Equal(24, report.Points.Count);
        Assert.Equal(Timestamp.FromDateTime(now.UtcDateTime.Date), report.Points[0].At);
        var peak = report.Points.MaxBy(p => p.Value)!.At.ToDateTime().Hour;
        Assert.InRange(peak, 12, 16);
        Assert.Equal(96, report.History.Count);
        Assert.False(tooShort.EnoughHistory);
        Assert.Contains("not enough history", tooShort.Note, StringComparison.Ordinal);
    }
}
