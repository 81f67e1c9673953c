using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>A model's replay gap comes from the analytics replay when its substitute is priced.</summary>
public sealed class VrioReplayTests
{
    [Fact]
    public async Task GetReport_PricedSubstitute_ReplayGapFromTheAnalyticsReplay()
    {
        var now = Events.Noon.AddHours(1);
        using var host = new TelemetryHost(new DateTimeOffset(now), new Dictionary<string, string?> { ["Mesh:Telemetry:Vrio:ReadRegistries"] = "false" });
        var vrio = new V1.Vrio.VrioClient(host.Channel);
        var publish = new PublishRequest();
        for (var i = 0; i < 10; i++)
        {
            var generation = Events.Embedding(at: Events.Noon.AddMinutes(-i));
            generation.Kind = Mesh.Usage.V1.UsageKind.ModelCall;
            generation.Resource = "tiny-gpt";
            generation.OutputTokens = 500;
            publish.Events.Add(generation);
            publish.Events.Add(Events.Embedding(at: Events.Noon.AddMinutes(-i)));
        }

        await host.Ingest.PublishAsync(publish, TestCalls.As(TestKeys.Admin)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var name in new[] { "tiny-gpt", "all-MiniLM-L6-v2" })
        {
            await vrio.SetCapabilityAsync(VrioData.Meta("model", name, "text", Provenance.OpenModel, "me", "1"), TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(60));
        }

        var report = await vrio.GetReportAsync(new VrioReportRequest { Name = "tiny-gpt" }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(60));

        var gap = report.Capabilities.Single().Imitability.Evidence.Single(e => e.Name == "replay gap").Value;
        Assert.StartsWith("to model:all-MiniLM-L6-v2@1:", gap, StringComparison.Ordinal);
        Assert.Contains("analytics replay", gap, StringComparison.Ordinal);
        Assert.Contains("at equal success", gap, StringComparison.Ordinal);
    }
}
