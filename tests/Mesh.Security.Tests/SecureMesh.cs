using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Agents.Runs.Api;
using Mesh.Identity.Api;
using Mesh.Identity.V1;
using Mesh.Inference.Api;
using Mesh.Telemetry.Ingest;
using Mesh.Testing;
using Mesh.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Security.Tests;

/// <summary>
/// All five services in memory with authorization by identity: every service fetches the key
/// set, resolves API keys and asks for decisions from the in-memory identity service.
/// </summary>
public sealed class SecureMesh : IDisposable
{
    private static readonly string[] IdentityClients = ["IdentityClient", "KeySetClient", "PermissionsClient", "BudgetsClient", "TokensClient"];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"mesh-security-{Guid.NewGuid():N}");
    private readonly Dictionary<string, GrpcChannel> _channels = [];

    public SecureMesh()
    {
        Directory.CreateDirectory(_directory);
        Telemetry = Secured(new MeshServiceFactory<UsageIngestService>().WithSetting("Mesh:Telemetry:DuckDbPath", Path.Combine(_directory, "usage.duckdb")));
        // Identity prices reservations with telemetry's price list; the handler is made on first use.
        Identity = new MeshServiceFactory<IdentityService>().WithSetting("Mesh:Identity:DatabasePath", Path.Combine(_directory, "identity.db"))
            .WithShippedUsage()
            .WithServices(services =>
            {
                services.AddHttpClient(nameof(Mesh.Telemetry.V1.Prices.PricesClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
                services.AddHttpClient(nameof(Mesh.Telemetry.V1.UsageIngest.UsageIngestClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
            });
        Identity.StartServer();
        Inference = Secured(new MeshServiceFactory<InferenceService>());
        // Tools shows telemetry's prices, asks its tenant SQL (usage_sql), runs the MCP servers installed in mcp-servers, embeds
        // knowledge through inference, and its MCP endpoint calls its own gRPC API.
        Tools = Secured(new MeshServiceFactory<ToolsService>())
            .WithSetting("Mesh:Tools:Mcp:ServerRoots:0", Mesh.DevServers.LocalMcpServers.Root)
            .WithServices(services =>
            {
                services.AddHttpClient(nameof(Mesh.Telemetry.V1.Prices.PricesClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
                services.AddHttpClient(nameof(Mesh.Telemetry.V1.Analytics.AnalyticsClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
                services.AddHttpClient(nameof(Mesh.Tools.V1.Tools.ToolsClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Tools!.Server.CreateHandler()));
                services.AddHttpClient(nameof(Mesh.Inference.V1.Inference.InferenceClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Inference.Server.CreateHandler()));
            });
        Agents = Secured(new MeshServiceFactory<AgentsService>())
            .WithSetting("Mesh:Agents:Runs:DatabasePath", Path.Combine(_directory, "runs.db"))
            .WithServices(services =>
        {
            services.AddHttpClient(nameof(Mesh.Inference.V1.Inference.InferenceClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Inference.Server.CreateHandler()));
            services.AddHttpClient(nameof(Mesh.Tools.V1.Tools.ToolsClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Tools.Server.CreateHandler()));
            services.AddHttpClient(nameof(Mesh.Telemetry.V1.Analytics.AnalyticsClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
        });

        // Started here, one after another: a factory's Server is not safe to start from two threads at once.
        Telemetry.StartServer();
        Inference.StartServer();
        Tools.StartServer();
        Agents.StartServer();
    }

    public MeshServiceFactory<IdentityService> Identity { get; }

    public MeshServiceFactory<InferenceService> Inference { get; }

    public MeshServiceFactory<ToolsService> Tools { get; }

    public MeshServiceFactory<UsageIngestService> Telemetry { get; }

    public MeshServiceFactory<AgentsService> Agents { get; }

    public GrpcChannel Channel(string service)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(service, out var channel))
            {
                channel = service switch
                {
                    "identity" => Identity.CreateChannel(),
                    "inference" => Inference.CreateChannel(),
                    "tools" => Tools.CreateChannel(),
                    "agents" => Agents.CreateChannel(),
                    "telemetry" => Telemetry.CreateChannel(),
                    _ => throw new ArgumentOutOfRangeException(nameof(service), service, "not a Mesh service"),
                };
                _channels[service] = channel;
            }

            return channel;
        }
    }

    public Identity.V1.Identity.IdentityClient IdentityClient => new(Channel("identity"));

    public Mesh.Identity.V1.Tokens.TokensClient TokensClient => new(Channel("identity"));

    public Budgets.BudgetsClient BudgetsClient => new(Channel("identity"));

    public Permissions.PermissionsClient PermissionsClient => new(Channel("identity"));

    public Mesh.Tools.V1.Tools.ToolsClient ToolsClient => new(Channel("tools"));

    public Mesh.Inference.V1.Inference.InferenceClient InferenceClient => new(Channel("inference"));

    public Mesh.Agents.V1.Agents.AgentsClient AgentsClient => new(Channel("agents"));

    public Mesh.Telemetry.V1.Analytics.AnalyticsClient AnalyticsClient => new(Channel("telemetry"));

    public Mesh.Telemetry.V1.UsageIngest.UsageIngestClient IngestClient => new(Channel("telemetry"));

    /// <summary>The service token a Mesh service gets for its key (what the service itself presents).</summary>
    public async Task<string> ServiceTokenAsync(string service) =>
        (await TokensClient.IssueServiceTokenAsync(new IssueServiceTokenRequest(), TestCalls.As(TestKeys.Service(service)))).Token;

    /// <summary>The cost telemetry billed the tenant, once every reservation of the tenant's budget is settled.</summary>
    public async Task<decimal> BilledAsync(string adminKey)
    {
        var report = await AnalyticsClient.GetUsageAsync(new Mesh.Telemetry.V1.UsageQuery(), TestCalls.As(adminKey));
        return decimal.Parse(report.Total.CostUsd, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A new tenant (unique name) with admin user <c>admin</c>; returns its name and the admin's key.</summary>
    public async Task<(string Tenant, string AdminKey)> CreateTenantAsync(string prefix)
    {
        var tenant = $"{prefix}-{Guid.NewGuid():N}"[..24];
        await IdentityClient.CreateTenantAsync(new CreateTenantRequest { Id = tenant, AdminUser = "admin" }, TestCalls.As(TestKeys.Admin));
        var key = await IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = "admin" }, TestCalls.As(TestKeys.Admin, tenant));
        return (tenant, key.ApiKey);
    }

    /// <summary>A user in the admin's tenant and a key for it.</summary>
    public async Task<(string KeyId, string Key)> CreateUserAsync(string adminKey, string user)
    {
        await IdentityClient.CreatePrincipalAsync(new CreatePrincipalRequest { Id = user }, TestCalls.As(adminKey));
        var key = await IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = user }, TestCalls.As(adminKey));
        return (key.Info.KeyId, key.ApiKey);
    }

    public static CallOptions Anonymous() => new(deadline: DateTime.UtcNow.AddSeconds(30));

    /// <summary>The tenant's budget once telemetry has billed and settled every reservation of it (usage ships every 200 ms).</summary>
    public async Task<Budget> SettledBudgetAsync(string adminKey, string scope = "tenant")
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var budget = (await BudgetsClient.ListBudgetsAsync(new ListBudgetsRequest(), TestCalls.As(adminKey))).Budgets.Single(b => b.Scope == scope);
            if (budget.ReservedUsd == "0" || DateTime.UtcNow > deadline)
            {
                return budget;
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        // Callers before what they call: agents calls tools and inference, tools calls inference (knowledge
        // embeddings), services flush usage to telemetry as they stop, and telemetry settles with identity.
        Stop(Agents);
        Stop(Tools);
        Stop(Inference);
        Stop(Telemetry);
        Stop(Identity);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a closing host; the OS cleans the temp directory
        }
        catch (UnauthorizedAccessException)
        {
            // as above
        }
    }

    /// <summary>
    /// Stops one in-memory service. Work still running in it as the mesh comes down (a usage flush,
    /// a background call) may reach a service already stopped: that is the end of the fixture, not
    /// a failure of any test.
    /// </summary>
    private static void Stop(IDisposable service)
    {
        try
        {
            service.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // reached a service stopped before it
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.All(e => e is ObjectDisposedException))
        {
            // as above, from several hosted services
        }
    }

    private MeshServiceFactory<T> Secured<T>(MeshServiceFactory<T> factory)
        where T : class => factory
        .WithSetting("Mesh:Authorization:Mode", "Identity")
        .WithShippedUsage()
        .WithServices(services =>
        {
            foreach (var client in IdentityClients)
            {
                services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Identity.Server.CreateHandler()));
            }

            services.AddHttpClient(nameof(Mesh.Telemetry.V1.UsageIngest.UsageIngestClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
        });
}
