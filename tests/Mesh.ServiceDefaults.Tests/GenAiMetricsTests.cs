using System.Diagnostics.Metrics;
using Mesh.ServiceDefaults.Grpc;
using Mesh.ServiceDefaults.Instrumentation;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ServiceDefaults.Tests;

public sealed class GenAiMetricsTests
{
    private static List<(string Instrument, double Value, Dictionary<string, object?> Tags)> Record(string? optIn)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var seen = new List<(string, double, Dictionary<string, object?>)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Mesh.Inference")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Add((i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen.Add((i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        using var metrics = GenAiMetrics.Create(meters, new MeshServiceInfo("inference"), optIn);
        metrics.RecordTokens("text_completion", "tiny-gpt", "input", 12);
        metrics.RecordTokens("text_completion", "tiny-gpt", "cache_read", 4);
        metrics.RecordDuration("text_completion", "tiny-gpt", TimeSpan.FromMilliseconds(250));
        metrics.RecordTokenTimes("text_completion", "tiny-gpt", TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), 5);
        return seen;
    }

    [Fact]
    public void Record_Default_EmitsTheCurrentGenAiNamesOnly()
    {
        var seen = Record(optIn: null);

        Assert.Contains(seen, m => m.Instrument == "gen_ai.client.inference.usage.input_tokens" && m.Value == 12 && (string?)m.Tags["gen_ai.request.model"] == "tiny-gpt");
        Assert.Contains(seen, m => m.Instrument == "gen_ai.client.inference.usage.cache_read.input_tokens" && m.Value == 4);
        Assert.Contains(seen, m => m.Instrument == "gen_ai.client.inference.duration" && m.Value == 0.25);
        Assert.Contains(seen, m => m.Instrument == "gen_ai.server.time_to_first_token" && m.Value == 0.05);
        Assert.Contains(seen, m => m.Instrument == "gen_ai.server.time_per_output_token" && Math.Abs(m.Value - 0.05) < 1e-9);
        Assert.DoesNotContain(seen, m => m.Instrument is "gen_ai.client.token.usage" or "gen_ai.client.operation.duration");
    }

    [Fact]
    public void Record_OptInGenAiDup_EmitsTheOldNamesToo()
    {
        var seen = Record(optIn: "http, gen_ai/dup");

        Assert.Contains(seen, m => m.Instrument == "gen_ai.client.token.usage" && m.Value == 12 && (string?)m.Tags["gen_ai.token.type"] == "input");
        Assert.Contains(seen, m => m.Instrument == "gen_ai.client.operation.duration" && m.Value == 0.25);
        Assert.Contains(seen, m => m.Instrument == "gen_ai.client.inference.usage.input_tokens");
    }
}
