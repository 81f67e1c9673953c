using System.ClientModel;
using System.ClientModel.Primitives;
using Mesh.Inference.Models;
using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace Mesh.Inference.Hosted;

/// <summary>
/// "Loads" a hosted model: an OpenAI chat client for its upstream (the maintained OpenAI .NET
/// library: its own timeouts per attempt and retries with backoff of 408, 429 and 5xx answers and
/// network failures), with the API key read from the configuration key the model names.
/// </summary>
public sealed partial class HostedModelLoader(IConfiguration configuration, IOptions<SchedulingOptions> scheduling, ILogger<HostedModelLoader> logger)
{
    public HostedChatModel Load(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var upstream = descriptor.Upstream ?? throw new InvalidDataException($"model '{descriptor.Name}' has no upstream");
        var key = upstream.ApiKeySetting.Length == 0 ? "none" : configuration[upstream.ApiKeySetting];
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidDataException($"model '{descriptor.Name}': the upstream API key setting '{upstream.ApiKeySetting}' is empty; set it in the environment or user secrets");
        }

        var options = new OpenAIClientOptions
        {
            Endpoint = upstream.BaseUrl,
            NetworkTimeout = upstream.Timeout,
            RetryPolicy = new ClientRetryPolicy(upstream.MaxRetries),
            UserAgentApplicationId = "mesh",
        };
        var client = new ChatClient(upstream.Model, new ApiKeyCredential(key), options);
        LogLoaded(logger, descriptor.Name, upstream.BaseUrl, upstream.Model);
        return new HostedChatModel(descriptor, client, scheduling.Value);
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "Hosted model {Model} routes to {BaseUrl} model {UpstreamModel}")]
    private static partial void LogLoaded(ILogger logger, string model, Uri baseUrl, string upstreamModel);
}
