using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Agents.Runs.Api;
using Mesh.Agents.Runs.Engine;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Runs.Store.Postgres;
using Mesh.Agents.Runs.Store.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Bench;

/// <summary>The agents service on Kestrel at a random 127.0.0.1 port, its run store timed; steps that call nothing need no other service.</summary>
public sealed class AgentsBenchHost : IAsyncDisposable
{
    public const string Key = "bench-agents-key-0123456789abcdef0123456789";

    private AgentsBenchHost(WebApplication app, GrpcChannel channel, TimingRunStore store)
    {
        App = app;
        Channel = channel;
        Store = store;
    }

    public WebApplication App { get; }

    public GrpcChannel Channel { get; }

    public TimingRunStore Store { get; }

    public Agents.V1.Agents.AgentsClient Client => new(Channel);

    public static Metadata Headers { get; } = new() { { "authorization", $"Bearer {Key}" } };

    /// <summary>Starts the service on SQLite at <paramref name="sqlitePath"/>, or on PostgreSQL when <paramref name="postgres"/> is given.</summary>
    public static async Task<AgentsBenchHost> StartAsync(string? sqlitePath, string? postgres, string sqliteSynchronous = "normal")
    {
        var builder = BenchServiceHost.CreateBuilder("agents", new Dictionary<string, string?>
        {
            ["Mesh:BootstrapApiKey"] = "bench-admin-key-0123456789abcdef0123456789",
            ["Mesh:ApiKeys:0:Key"] = Key,
            ["Mesh:ApiKeys:0:Tenant"] = "acme",
            ["Mesh:ApiKeys:0:Principal"] = "alice",
            ["Mesh:Authorization:Mode"] = "Credentials",
            ["Mesh:Service:Key"] = "bench-service-key-agents-0123456789abcdef",
            ["Mesh:Agents:Runs:Store"] = postgres is null ? "sqlite" : "postgres",
            ["Mesh:Agents:Runs:DatabasePath"] = sqlitePath ?? "unused.db",
            ["Mesh:Agents:Runs:SqliteSynchronous"] = sqliteSynchronous,
            ["ConnectionStrings:agents-db"] = postgres,
        });
        builder.Services.AddAgents();
        builder.Services.RemoveAll<IRunStore>();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RunEngineOptions>>().Value;
            IRunStore inner = options.UsesPostgres
                ? new PostgresRunStore(options.ConnectionString!)
                : new SqliteRunStore(options.DatabasePath, options.SqliteSynchronous == "full");
            return new TimingRunStore(inner);
        });
        builder.Services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<TimingRunStore>());
        var app = builder.Build();
        app.MapGrpcService<AgentsService>();
        var channel = GrpcChannel.ForAddress(await BenchServiceHost.StartAsync(app));
        return new AgentsBenchHost(app, channel, app.Services.GetRequiredService<TimingRunStore>());
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
