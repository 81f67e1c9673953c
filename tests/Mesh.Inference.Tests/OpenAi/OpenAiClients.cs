using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using Mesh.Inference.Api;
using Mesh.Testing;
using OpenAI;

namespace Mesh.Inference.Tests.OpenAi;

/// <summary>The official OpenAI .NET client and a raw HTTP client, both against an in-memory inference server's /v1.</summary>
public static class OpenAiClients
{
    public static OpenAIClient Official(MeshServiceFactory<InferenceService> factory, string apiKey, string? tenant = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var http = Http(factory, apiKey: null, tenant);
        return new OpenAIClient(new ApiKeyCredential(apiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = TimeSpan.FromSeconds(30),
        });
    }

    public static HttpClient Http(MeshServiceFactory<InferenceService> factory, string? apiKey, string? tenant = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var http = factory.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(30);
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        if (tenant is not null)
        {
            http.DefaultRequestHeaders.Add("x-mesh-tenant", tenant);
        }

        return http;
    }
}
