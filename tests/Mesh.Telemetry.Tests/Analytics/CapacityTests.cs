using Grpc.Core;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Tests.Analytics;

public sealed class CapacityTests
{
    /// <summary>Four days up to <paramref name="now"/> of tiny-gpt calls peaking at 14:00 UTC and none at night; MiniLM a trickle.</summary>
    private static async Task SeedDailyCycleAsync(TelemetryHost host, DateTime today, DateTime now)
    {
        var events = new List<UsageEvent>();
        for (var hour = 0; today.AddDays(-4).AddHours(hour + 1) <= now; hour++)
        {
            var at = today.AddDays(-4).AddHours(hour);
            var calls = Math.Max(0, (int)Math.Round(12 * Math.Cos(((hour % 24) - 14) * Math.PI / 12)));
            for (var i = 0; i < calls; i++)
            {
                var call = Events.Embedding(at: at.AddMinutes(i));
                call.Kind = UsageKind.ModelCall;
                call.Resource = "tiny-gpt";
                events.Add(call);
            }

            if (hour % 24 == 3)
            {
                events.Add(Events.Embedding(at: at));
            }
        }

        await host.Ingest.PublishAsync(new PublishRequest { Events = { events } }, TestCalls.As(TestKeys.Admin));
    }

    [Theory]
    [InlineData(13, true)]
    [InlineData(2, false)]
    public async Task GetCapacity_SyntheticDailyCycle_TinyGptIsBusyOnlyAheadOfItsPeak(int hour, bool busy)
    {
        var today = new DateTime(2026, 3, 5, 0, 0, 0, DateTimeKind.Utc);
        var now = today.AddHours(hour).AddMinutes(10);
        using var host = new TelemetryHost(new DateTimeOffset(now));
        await SeedDailyCycleAsync(host, today, now);

        var report = await host.Analytics.GetCapacityAsync(new CapacityQuery { LookaheadHours = 1, BusyCallsPerHour = 5 }, TestCalls.As(TestKeys.Admin));

        var tinyGpt = report.Models.Single(m => m.Model == "tiny-gpt");
        Assert.Equal(busy, tinyGpt.Busy);
        Assert.False(report.Models.Single(m => m.Model == "all-MiniLM-L6-v2").Busy);
        Assert.NotEmpty(tinyGpt.Method);
    }

    [Fact]
    public async Task GetCapacity_TenantUser_PermissionDenied()
    {
        using var host = new TelemetryHost();

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Analytics.GetCapacityAsync(new CapacityQuery(), TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }
}
