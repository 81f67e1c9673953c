using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>Fake Mesh services on one loopback HTTP/2 port, for running the command line against.</summary>
public sealed class FakeMesh : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeMesh(WebApplication app, FakeAgents agents, FakeAnalytics analytics)
    {
        _app = app;
        Agents = agents;
        Analytics = analytics;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        Address = addresses.Addresses.Single();
    }

    public FakeAgents Agents { get; }

    public FakeAnalytics Analytics { get; }

    public FakeVrio Vrio { get; private init; } = null!;

    public FakePrices Prices { get; private init; } = null!;

    public FakeBudgets Budgets { get; private init; } = null!;

    public FakeInference Inference { get; private init; } = null!;

    public FakePermissions Permissions { get; private init; } = null!;

    public string Address { get; }

    /// <summary>Environment variables pointing every service at this fake, with the test key.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["MESH_API_KEY"] = FakeIdentity.Key,
        ["MESH_AGENTS_URL"] = Address,
        ["MESH_TELEMETRY_URL"] = Address,
        ["MESH_IDENTITY_URL"] = Address,
        ["MESH_TOOLS_URL"] = Address,
        ["MESH_INFERENCE_URL"] = Address,
    };

    public static async Task<FakeMesh> StartAsync()
    {
        var analytics = new FakeAnalytics();
        var agents = new FakeAgents(analytics);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(analytics);
        var vrio = new FakeVrio();
        builder.Services.AddSingleton(vrio);
        var prices = new FakePrices();
        builder.Services.AddSingleton(prices);
        builder.Services.AddSingleton(agents);
        var budgets = new FakeBudgets();
        builder.Services.AddSingleton(budgets);
        var inference = new FakeInference();
        builder.Services.AddSingleton(inference);
        var permissions = new FakePermissions();
        builder.Services.AddSingleton(permissions);
        var app = builder.Build();
        app.MapGrpcService<FakeAgents>();
        app.MapGrpcService<FakeAnalytics>();
        app.MapGrpcService<FakeVrio>();
        app.MapGrpcService<FakePrices>();
        app.MapGrpcService<FakeIdentity>();
        app.MapGrpcService<FakeBudgets>();
        app.MapGrpcService<FakeInference>();
        app.MapGrpcService<FakePermissions>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        return new FakeMesh(app, agents, analytics) { Vrio = vrio, Prices = prices, Budgets = budgets, Inference = inference, Permissions = permissions };
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
