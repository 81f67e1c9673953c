using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mesh.ServiceDefaults.Grpc;

namespace Mesh.ServiceDefaults.Instrumentation;

/// <summary>
/// The service's Meter and ActivitySource (both named <c>Mesh.&lt;service&gt;</c>), with the
/// OpenTelemetry GenAI instruments under their current names: token counters
/// <c>gen_ai.client.inference.usage.{input,output,cache_read.input,reasoning.output}_tokens</c>,
/// <c>gen_ai.client.inference.duration</c>, <c>gen_ai.execute_tool.duration</c> and the server's
/// <c>gen_ai.server.request.duration</c>, <c>gen_ai.server.time_to_first_token</c> and
/// <c>gen_ai.server.time_per_output_token</c>. The names they replaced
/// (<c>gen_ai.client.token.usage</c>, <c>gen_ai.client.operation.duration</c>) are emitted as well
/// when <c>OTEL_SEMCONV_STABILITY_OPT_IN</c> lists <c>gen_ai/dup</c>, as the conventions' migration plan describes.
/// </summary>
public sealed class GenAiMetrics : IDisposable
{
    public const string ProviderName = "mesh";

    /// <summary>The environment variable, and the value in it, that keeps the old names alongside the new.</summary>
    public const string OptInVariable = "OTEL_SEMCONV_STABILITY_OPT_IN";
    public const string DuplicateOptIn = "gen_ai/dup";

    private static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
    private static readonly double[] DurationBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] TokenTimeBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

    private readonly Meter _meter;
    private readonly Dictionary<string, Counter<long>> _tokens;
    private readonly Histogram<double> _inferenceDuration;
    private readonly Histogram<double> _toolDuration;
    private readonly Histogram<double> _serverRequestDuration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Histogram<long>? _oldTokenUsage;
    private readonly Histogram<double>? _oldOperationDuration;

    public GenAiMetrics(IMeterFactory meterFactory, MeshServiceInfo service)
        : this(meterFactory, service, Environment.GetEnvironmentVariable(OptInVariable))
    {
    }

    private GenAiMetrics(IMeterFactory meterFactory, MeshServiceInfo service, string? optIn)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(service);
        var name = SourceName(service.Name);
        _meter = meterFactory.Create(name);
        ActivitySource = new ActivitySource(name);
        _tokens = new Dictionary<string, Counter<long>>(StringComparer.Ordinal)
        {
            ["input"] = Tokens("input_tokens", "Input tokens used, cached ones included."),
            ["output"] = Tokens("output_tokens", "Output tokens produced, reasoning ones included."),
            ["cache_read"] = Tokens("cache_read.input_tokens", "Input tokens read from a prompt cache."),
            ["reasoning"] = Tokens("reasoning.output_tokens", "Output tokens spent reasoning."),
        };
        _inferenceDuration = Seconds("gen_ai.client.inference.duration", "GenAI inference duration.", DurationBuckets);
        _toolDuration = Seconds("gen_ai.execute_tool.duration", "Tool execution duration.", DurationBuckets);
        _serverRequestDuration = Seconds("gen_ai.server.request.duration", "Generative AI server request duration.", DurationBuckets);
        _timeToFirstToken = Seconds("gen_ai.server.time_to_first_token", "Time to generate the first token of a successful response.", TokenTimeBuckets);
        _timePerOutputToken = Seconds("gen_ai.server.time_per_output_token", "Time per output token generated after the first.", TokenTimeBuckets);
        if (EmitsOldNames(optIn))
        {
            _oldTokenUsage = _meter.CreateHistogram<long>(
                "gen_ai.client.token.usage", unit: "{token}", description: "Number of input and output tokens used.",
                tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. TokenBuckets.Select(b => (long)b)] });
            _oldOperationDuration = Seconds("gen_ai.client.operation.duration", "GenAI operation duration.", DurationBuckets);
        }
    }

    public ActivitySource ActivitySource { get; }

    /// <summary>The instruments with <paramref name="optIn"/> as the value of <see cref="OptInVariable"/>.</summary>
    public static GenAiMetrics Create(IMeterFactory meterFactory, MeshServiceInfo service, string? optIn) => new(meterFactory, service, optIn);

    public Meter Meter => _meter;

    public static string SourceName(string service) => $"Mesh.{char.ToUpperInvariant(service[0])}{service[1..]}";

    /// <summary>Whether the opt-in value asks for the old names too.</summary>
    public static bool EmitsOldNames(string? optIn) =>
        (optIn ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(DuplicateOptIn, StringComparer.Ordinal);

    /// <summary>Records tokens of one type (<c>input</c>, <c>output</c>, <c>cache_read</c> or <c>reasoning</c>) used by an operation.</summary>
    public void RecordTokens(string operation, string model, string tokenType, long tokens)
    {
        if (tokens <= 0 || !_tokens.TryGetValue(tokenType, out var counter))
        {
            return;
        }

        TagList tags = new()
        {
            { "gen_ai.operation.name", operation },
            { "gen_ai.provider.name", ProviderName },
            { "gen_ai.request.model", model },
        };
        counter.Add(tokens, tags);
        if (_oldTokenUsage is not null && tokenType is "input" or "output")
        {
            tags.Add("gen_ai.token.type", tokenType);
            _oldTokenUsage.Record(tokens, tags);
        }
    }

    /// <summary>Records how long an operation took; <paramref name="errorType"/> is null on success.</summary>
    public void RecordDuration(string operation, string model, TimeSpan duration, string? errorType = null)
    {
        var tags = Tags(operation, model, errorType);
        var seconds = duration.TotalSeconds;
        if (operation == "execute_tool")
        {
            tags.Add("gen_ai.tool.name", model);
            _toolDuration.Record(seconds, tags);
        }
        else
        {
            _inferenceDuration.Record(seconds, tags);
            _serverRequestDuration.Record(seconds, tags);
        }

        _oldOperationDuration?.Record(seconds, Tags(operation, model, errorType));
    }

    /// <summary>Records a streamed generation's time to its first token and per token after it.</summary>
    public void RecordTokenTimes(string operation, string model, TimeSpan timeToFirstToken, TimeSpan total, long outputTokens)
    {
        var tags = Tags(operation, model, null);
        _timeToFirstToken.Record(timeToFirstToken.TotalSeconds, tags);
        if (outputTokens > 1)
        {
            _timePerOutputToken.Record((total - timeToFirstToken).TotalSeconds / (outputTokens - 1), tags);
        }
    }

    public void Dispose()
    {
        ActivitySource.Dispose();
        _meter.Dispose();
    }

    private static TagList Tags(string operation, string model, string? errorType)
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

        return tags;
    }

    private Counter<long> Tokens(string suffix, string description) =>
        _meter.CreateCounter<long>($"gen_ai.client.inference.usage.{suffix}", unit: "{token}", description: description);

    private Histogram<double> Seconds(string name, string description, double[] buckets) =>
        _meter.CreateHistogram<double>(name, unit: "s", description: description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });
}
