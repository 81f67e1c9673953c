using Google.Protobuf.WellKnownTypes;
using Mesh.Agents.Runs.Api;
using Mesh.Agents.V1;
using Mesh.Identity.Api;
using Mesh.Identity.V1;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Tools;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Console.Tests.Support;

/// <summary>
/// The services the console reads (identity, telemetry, agents with tools), in memory with
/// authorization by identity (as in the running mesh: identity resolves keys, decides, and issues
/// each run its token), and the console in front of them; seeded once with tenants acme and
/// globex (a user key each), usage of both, a budget, an alert rule and a finished run of each.
/// </summary>
public sealed class ConsoleMesh : IAsyncLifetime
{
    /// <summary>A tool only globex uses: acme's pages must never name it.</summary>
    public const string GlobexOnlyResource = "knowledge-search";

    private static readonly string[] IdentityClients = ["IdentityClient", "KeySetClient", "PermissionsClient", "BudgetsClient", "TokensClient"];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"mesh-console-{Guid.NewGuid():N}");

    public ConsoleMesh()
    {
        Directory.CreateDirectory(_directory);
        Telemetry = Secured(new MeshServiceFactory<UsageIngestService>().WithSetting("Mesh:Telemetry:DuckDbPath", Path.Combine(_directory, "usage.duckdb")));
        Identity = new MeshServiceFactory<IdentityService>().WithSetting("Mesh:Identity:DatabasePath", Path.Combine(_directory, "identity.db"))
            .WithShippedUsage()
            .WithServices(services =>
            {
                services.AddHttpClient(nameof(Prices.PricesClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
                services.AddHttpClient(nameof(UsageIngest.UsageIngestClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
            });
        Tools = Secured(new MeshServiceFactory<ToolsService>());
        Agents = Secured(new MeshServiceFactory<AgentsService>())
            .WithSetting("Mesh:Agents:Runs:DatabasePath", Path.Combine(_directory, "runs.db"))
            .WithSetting("Mesh:Agents:Runs:PollInterval", "00:00:00.050")
            .WithServices(services =>
            {
                services.AddHttpClient(nameof(Mesh.Tools.V1.Tools.ToolsClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Tools.Server.CreateHandler()));
                services.AddHttpClient(nameof(Analytics.AnalyticsClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
            });
    }

    public MeshServiceFactory<UsageIngestService> Telemetry { get; }

    public MeshServiceFactory<IdentityService> Identity { get; }

    public MeshServiceFactory<ToolsService> Tools { get; }

    public MeshServiceFactory<AgentsService> Agents { get; }

    /// <summary>The key of user alice of tenant acme (not an admin).</summary>
    public string AcmeKey { get; private set; } = "";

    /// <summary>The key of user bob of tenant globex (not an admin).</summary>
    public string GlobexKey { get; private set; } = "";

    public string AcmeRunId { get; private set; } = "";

    public string GlobexRunId { get; private set; } = "";

    public Analytics.AnalyticsClient AnalyticsClient => new(Telemetry.CreateChannel());

    public Mesh.Agents.V1.Agents.AgentsClient AgentsClient => new(Agents.CreateChannel());

    /// <summary>A console in front of these services: in memory, or on a loopback port for a browser.</summary>
    public ConsoleFactory Console(bool kestrel = false) => new(this, kestrel);

    public async Task InitializeAsync()
    {
        // One after another: a factory's Server is not safe to start from two threads at once.
        Identity.StartServer();
        Telemetry.StartServer();
        Tools.StartServer();
        Agents.StartServer();

        var now = DateTime.UtcNow;
        var ingest = new UsageIngest.UsageIngestClient(Telemetry.CreateChannel());
        UsageEvent[] events =
        [
            Generation("acme", now.AddMinutes(-70), 1000, 200, ttftMs: 40, totalMs: 300),
            Generation("acme", now.AddMinutes(-20), 1500, 300, ttftMs: 60, totalMs: 420),
            Generation("acme", now.AddMinutes(-10), 2000, 400, ttftMs: 80, totalMs: 510),
            Embedding("acme", now.AddMinutes(-15)),
            Embedding("acme", now.AddMinutes(-5)),
            ToolCall("globex", GlobexOnlyResource, now.AddMinutes(-30)),
            ToolCall("globex", GlobexOnlyResource, now.AddMinutes(-12)),
        ];
        var published = await ingest.PublishAsync(new PublishRequest { Events = { events } }, TestCalls.As(TestKeys.Admin));
        Assert.Equal(events.Length, published.Stored);

        AcmeKey = await UserKeyAsync("acme", "alice");
        GlobexKey = await UserKeyAsync("globex", "bob");

        var budgets = new Mesh.Identity.V1.Budgets.BudgetsClient(Identity.CreateChannel());
        await budgets.SetBudgetAsync(new SetBudgetRequest { Scope = "tenant", CostLimitUsd = "0.50", Period = "month" }, TestCalls.As(TestKeys.Admin, "acme"));

        var alerts = new Alerts.AlertsClient(Telemetry.CreateChannel());
        await alerts.CreateAlertRuleAsync(new AlertRule { Name = "acme spends", Metric = "cost_usd", Threshold = 1, GroupBy = { "resource" } }, TestCalls.As(TestKeys.Admin, "acme"));

        AcmeRunId = await RunToEndAsync(AcmeKey, "acme-sums");
        GlobexRunId = await RunToEndAsync(GlobexKey, "globex-sums");
    }

    public Task DisposeAsync()
    {
        Agents.Dispose();
        Tools.Dispose();
        Identity.Dispose();
        Telemetry.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a closing host; the OS cleans the temp directory
        }

        return Task.CompletedTask;
    }

    /// <summary>A two-step workflow (a calculator call, then a set) run to its end as <paramref name="key"/>.</summary>
    private async Task<string> RunToEndAsync(string key, string workflow)
    {
        var client = AgentsClient;
        await client.CreateWorkflowAsync(new CreateWorkflowRequest
        {
            Definition = $$$"""
                name: {{{workflow}}}
                steps:
                  - { id: add, kind: tool, tool: calculator, arguments: { expression: "6*7" }, output: sum, next: keep }
                  - { id: keep, kind: set, values: { kept: "{{ state.sum }}" } }
                output: "{{ state.kept }}"
                """,
        }, TestCalls.As(key));
        var run = await client.StartRunAsync(new StartRunRequest { Workflow = workflow }, TestCalls.As(key));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var current = await client.GetRunAsync(new GetRunRequest { RunId = run.RunId }, TestCalls.As(key));
            if (current.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled)
            {
                Assert.True(current.Status == RunStatus.Completed, $"the seeded run ended {current.Status}: {current.Error}");
                return run.RunId;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Tenant <paramref name="tenant"/> with admin user <c>admin</c>, a plain user <paramref name="user"/> and a key for that user.</summary>
    private async Task<string> UserKeyAsync(string tenant, string user)
    {
        var identity = new Mesh.Identity.V1.Identity.IdentityClient(Identity.CreateChannel());
        await identity.CreateTenantAsync(new CreateTenantRequest { Id = tenant, DisplayName = tenant, AdminUser = "admin" }, TestCalls.As(TestKeys.Admin));
        await identity.CreatePrincipalAsync(new CreatePrincipalRequest { Id = user }, TestCalls.As(TestKeys.Admin, tenant));
        return (await identity.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = user }, TestCalls.As(TestKeys.Admin, tenant))).ApiKey;
    }

    /// <summary>Authorization by the in-memory identity service, usage shipped to the in-memory telemetry.</summary>
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

            services.AddHttpClient(nameof(UsageIngest.UsageIngestClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Telemetry.Server.CreateHandler()));
        });

    private static UsageEvent Generation(string tenant, DateTime at, long input, long output, double ttftMs, double totalMs) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(at),
        TenantId = tenant,
        PrincipalId = tenant == "acme" ? "alice" : "bob",
        Service = "inference",
        Kind = UsageKind.ModelCall,
        Resource = "tiny-gpt",
        ResourceVersion = "1",
        Device = "cpu",
        InputTokens = input,
        OutputTokens = output,
        ComputeMs = totalMs - 20,
        TotalMs = totalMs,
        TimeToFirstTokenMs = ttftMs,
        BatchSize = 1,
        Status = UsageStatus.Ok,
    };

    private static UsageEvent Embedding(string tenant, DateTime at) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(at),
        TenantId = tenant,
        PrincipalId = "alice",
        Service = "inference",
        Kind = UsageKind.Embedding,
        Resource = "all-MiniLM-L6-v2",
        ResourceVersion = "1",
        Device = "cpu",
        InputTokens = 137,
        ComputeMs = 50,
        TotalMs = 55,
        BatchSize = 1,
        Status = UsageStatus.Ok,
    };

    private static UsageEvent ToolCall(string tenant, string tool, DateTime at) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(at),
        TenantId = tenant,
        PrincipalId = "bob",
        Service = "tools",
        Kind = UsageKind.ToolCall,
        Resource = tool,
        TotalMs = 3,
        BatchSize = 1,
        Status = UsageStatus.Ok,
    };
}
