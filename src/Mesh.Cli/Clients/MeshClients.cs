using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Mesh.Cli.Configuration;
using AgentsClient = Mesh.Agents.V1.Agents.AgentsClient;
using AnalyticsClient = Mesh.Telemetry.V1.Analytics.AnalyticsClient;
using IdentityClient = Mesh.Identity.V1.Identity.IdentityClient;
using InferenceClient = Mesh.Inference.V1.Inference.InferenceClient;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Cli.Clients;

/// <summary>Holds one channel per service, opened on first use, and the metadata every call carries.</summary>
public sealed class MeshClients(CliSettings settings, TimeProvider time) : IDisposable
{
    public const string TenantHeader = "x-mesh-tenant";

    private readonly Dictionary<MeshService, GrpcChannel> _channels = [];

    public AgentsClient Agents => new(Invoker(MeshService.Agents));

    public AnalyticsClient Analytics => new(Invoker(MeshService.Telemetry));

    public Mesh.Telemetry.V1.Prices.PricesClient Prices => new(Invoker(MeshService.Telemetry));

    public Mesh.Telemetry.V1.Alerts.AlertsClient Alerts => new(Invoker(MeshService.Telemetry));

    public Mesh.Telemetry.V1.Vrio.VrioClient Vrio => new(Invoker(MeshService.Telemetry));

    public Mesh.Telemetry.V1.UsageIngest.UsageIngestClient UsageIngest => new(Invoker(MeshService.Telemetry));

    public IdentityClient Identity => new(Invoker(MeshService.Identity));

    public Mesh.Identity.V1.Tokens.TokensClient Tokens => new(Invoker(MeshService.Identity));

    public Mesh.Identity.V1.Permissions.PermissionsClient Permissions => new(Invoker(MeshService.Identity));

    public Mesh.Identity.V1.Budgets.BudgetsClient Budgets => new(Invoker(MeshService.Identity));

    public InferenceClient Inference => new(Invoker(MeshService.Inference));

    public ToolsClient Tools => new(Invoker(MeshService.Tools));

    public Mesh.Tools.V1.McpServers.McpServersClient McpServers => new(Invoker(MeshService.Tools));

    public Mesh.Tools.V1.Knowledge.KnowledgeClient Knowledge => new(Invoker(MeshService.Tools));

    /// <summary>Call options with the API key, the tenant and a deadline of <c>--timeout</c> from now.</summary>
    public CallOptions Options(CancellationToken cancellationToken) =>
        new(Headers(settings), time.GetUtcNow().UtcDateTime.Add(settings.Timeout), cancellationToken);

    /// <summary>Call options acting in <paramref name="tenant"/> (an admin key acts in any tenant).</summary>
    public CallOptions Options(string tenant, CancellationToken cancellationToken) =>
        new(Headers(settings with { Tenant = tenant }), time.GetUtcNow().UtcDateTime.Add(settings.Timeout), cancellationToken);

    public static Metadata Headers(CliSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var headers = new Metadata();
        if (!string.IsNullOrEmpty(settings.ApiKey))
        {
            headers.Add("authorization", $"Bearer {settings.ApiKey}");
        }

        if (!string.IsNullOrEmpty(settings.Tenant))
        {
            headers.Add(TenantHeader, settings.Tenant);
        }

        return headers;
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _channels.Clear();
    }

    private CallInvoker Invoker(MeshService service)
    {
        var address = settings.AddressOf(service);
        if (!_channels.TryGetValue(service, out var channel))
        {
            channel = GrpcChannel.ForAddress(address);
            _channels[service] = channel;
        }

        return channel.Intercept(new UnreachableInterceptor(service, address));
    }
}
