namespace Mesh.Inference.Models;

/// <summary>
/// Where a hosted model is served: an OpenAI-compatible endpoint (<see cref="BaseUrl"/>, e.g.
/// <c>https://api.openai.com/v1</c> or another Mesh's <c>http://host:5110/v1</c>), the model name
/// there, the configuration key holding its API key (a secret: environment or user secrets, never
/// the model folder), how long one attempt may take and how often a failed one is retried.
/// </summary>
public sealed record UpstreamModel(Uri BaseUrl, string Model, string ApiKeySetting, TimeSpan Timeout, int MaxRetries)
{
    /// <summary>The context assumed for a hosted model whose config gives none.</summary>
    public const int DefaultContext = 8192;

    public override string ToString() => $"{BaseUrl} {Model}";
}

/// <summary>The <c>upstream</c> object of a model.json.</summary>
public sealed class UpstreamConfig
{
    public string? BaseUrl { get; set; }

    public string? Model { get; set; }

    public string? ApiKeySetting { get; set; }

    public double? TimeoutSeconds { get; set; }

    public int? MaxRetries { get; set; }

    public UpstreamModel? ToUpstream(List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            problems.Add($"upstream.baseUrl must be an http(s) URL (was '{BaseUrl}')");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            problems.Add("upstream.model must name the model at the upstream");
        }

        if (TimeoutSeconds is <= 0 or > 3600)
        {
            problems.Add($"upstream.timeoutSeconds must be in (0, 3600] (was {TimeoutSeconds})");
        }

        if (MaxRetries is < 0 or > 10)
        {
            problems.Add($"upstream.maxRetries must be 0..10 (was {MaxRetries})");
        }

        return problems.Count > before ? null
            : new UpstreamModel(baseUrl!, Model!, ApiKeySetting ?? "", TimeSpan.FromSeconds(TimeoutSeconds ?? 60), MaxRetries ?? 2);
    }
}
