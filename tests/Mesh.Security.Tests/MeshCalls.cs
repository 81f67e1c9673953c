using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Agents.V1;
using Mesh.Identity.V1;
using Mesh.Inference.V1;
using Mesh.Telemetry.V1;
using Mesh.Tools.V1;

namespace Mesh.Security.Tests;

/// <summary>One cheap authenticated RPC per service, for testing what every service refuses.</summary>
public static class MeshCalls
{
    public static readonly TheoryData<string> Services = new() { "identity", "inference", "tools", "agents", "telemetry" };

    public static Task CallAsync(string service, GrpcChannel channel, CallOptions options) => service switch
    {
        "identity" => new Identity.V1.Identity.IdentityClient(channel).WhoAmIAsync(new WhoAmIRequest(), options).ResponseAsync,
        "inference" => new Inference.V1.Inference.InferenceClient(channel).ListModelsAsync(new ListModelsRequest(), options).ResponseAsync,
        "tools" => new Tools.V1.Tools.ToolsClient(channel).ListToolsAsync(new ListToolsRequest(), options).ResponseAsync,
        "agents" => new Agents.V1.Agents.AgentsClient(channel).ListAgentsAsync(new ListAgentsRequest(), options).ResponseAsync,
        "telemetry" => new Analytics.AnalyticsClient(channel).GetUsageAsync(new UsageQuery(), options).ResponseAsync,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "not a Mesh service"),
    };
}
