using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mesh.ServiceDefaults.Grpc;

namespace Mesh.ServiceDefaults.Instrumentation;

/// <summary>
/// The service's Meter and ActivitySource (both named <c>Mesh.&lt;service&gt;</c>), with the
/// OpenTelemetry GenAI instruments: <c>gen_ai.client.token.usage</c> and
/// <c>gen_ai.client.operation.duration</c>.
/// </summary>
public sealed class GenAiMetrics : IDisposable
{
    public const string ProviderName = "mesh";

    private static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
    private static readonly double[] DurationBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    private readonly Meter _meter;
    private readonly Histogram<long> _tokenUsage;
    private readonly Histogram<double> _operationDuration;

    public GenAiMetrics(IMeterFactory meterFactory, MeshServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(service);
        var name = SourceName(service.Name);
        _meter = meterFactory.Create(name);
        ActivitySource = new ActivitySource(name);
        _tokenUsage = _meter.CreateHistogram<long>(
            "gen_ai.client.token.usage", unit: "{token}", description: "Number of input and output tokens used.",
            tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. TokenBuckets.Select(b => (long)b)] });
        _operationDuration = _meter.CreateHistogram<double>(
            "gen_ai.client.operation.duration", unit: "s", description: "GenAI operation duration.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    public ActivitySource ActivitySource { get; }

    public Meter Meter => _meter;

    public static string SourceName(string service) => $"Mesh.{char.ToUpperInvariant(service[0])}{service[1..]}";

    /// <summary>Records tokens of one type (<c>input</c> or <c>output</c>) used by an operation.</summary>
    public void RecordTokens(string operation, string model, string tokenType, long tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        _tokenUsage.Record(tokens, [
            new("gen_ai.operation.name", operation),
            new("gen_ai.provider.name", ProviderName),
            new("gen_ai.request.model", model),
            new("gen_ai.token.type", tokenType)]);
    }

    /// <summary>Records how long an operation took; <paramref name="errorType"/> is null on success.</summary>
    public void RecordDuration(string operation, string model, TimeSpan duration, string? errorType = null)
    {
        TagList tags = new()
        {
            { "gen_ai.operation.name", operation },
            { "gen_ai.provider.name", ProviderName },
            { "gen_ai.request.model", model },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        _operationDuration.Record(duration.TotalSeconds, tags);
    }

    public void Dispose()
    {
        ActivitySource.Dispose();
        _meter.Dispose();
    }
}
