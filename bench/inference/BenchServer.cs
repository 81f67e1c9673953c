using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Inference;
using Mesh.Inference.Api;
using Mesh.Inference.Models;
using Mesh.Metering;
using Mesh.Usage.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Mesh.Bench;

/// <summary>
/// The inference service hosted by Kestrel on a random 127.0.0.1 port (real HTTP/2 over
/// loopback), on a model repository of its own, with usage events counted, not shipped.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-000000000000000";

    private readonly WebApplication _app;
    private readonly string _modelRoot;

    private BenchServer(WebApplication app, string modelRoot, Uri address, Uri openAiAddress)
    {
        _app = app;
        _modelRoot = modelRoot;
        Address = address;
        OpenAiAddress = openAiAddress;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 16 << 20 });
        Client = new Inference.V1.Inference.InferenceClient(Channel);
    }

    public Uri Address { get; }

    /// <summary>The OpenAI-compatible API (HTTP/1.1), ending in <c>/v1/</c>.</summary>
    public Uri OpenAiAddress { get; }

    public GrpcChannel Channel { get; }

    public Inference.V1.Inference.InferenceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A repository with MiniLM (max batch <paramref name="maxBatch"/>) and, when asked, tiny-gpt.</summary>
    public static string Repository(int maxBatch, bool withDecoder)
    {
        var builtin = Path.Combine(AppContext.BaseDirectory, "models");
        var root = Directory.CreateTempSubdirectory("mesh-bench-").FullName;
        var minilm = Directory.CreateDirectory(Path.Combine(root, BuiltinModels.MiniLmL6V2.Name)).FullName;
        File.CreateSymbolicLink(Path.Combine(minilm, BuiltinModels.MiniLmL6V2.PackageFile), BuiltinModels.MiniLmL6V2.PackagePath(builtin));
        File.WriteAllText(Path.Combine(minilm, "model.json"), $$"""{ "maxBatch": {{maxBatch}}, "loadAtStartup": {{(withDecoder ? "false" : "true")}} }""");
        var decoder = Directory.CreateDirectory(Path.Combine(root, BuiltinModels.TinyGpt.Name)).FullName;
        BuiltinModels.EnsureFiles(BuiltinModels.TinyGpt, builtin);
        File.CreateSymbolicLink(Path.Combine(decoder, "model.onnx"), BuiltinModels.TinyGpt.PackagePath(builtin));
        File.WriteAllText(Path.Combine(decoder, "model.json"), $$"""{ "loadAtStartup": {{(withDecoder ? "true" : "false")}} }""");
        return root;
    }

    /// <summary>
    /// Starts the service on <paramref name="modelRoot"/>, with <paramref name="settings"/> added to
    /// its configuration. The server owns the folder from then on: it is deleted when the server is.
    /// </summary>
    public static async Task<BenchServer> StartAsync(string modelRoot, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var openAiPort = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(InferenceService).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:BootstrapApiKey"] = AdminKey,
            ["Mesh:Inference:ModelRoot"] = modelRoot,
            // Hosted alone: the caller's credential decides access (no identity service to ask).
            ["Mesh:Authorization:Mode"] = "Credentials",
            ["Mesh:Inference:Scheduling:MaxQueuedPerTenant"] = "4096",
            ["Kestrel:Endpoints:http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:http:Protocols"] = "Http2",
            // The service's own health endpoint (HTTP/1.1, fixed port) moves to a random HTTP/2 port too.
            ["Kestrel:Endpoints:health:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:health:Protocols"] = "Http2",
            ["Kestrel:Endpoints:openai:Url"] = $"http://127.0.0.1:{openAiPort}",
            ["Kestrel:Endpoints:openai:Protocols"] = "Http1",
            ["Logging:LogLevel:Default"] = "Warning",
            // Usage is discarded here (DiscardingPublisher): no spool, so nothing another run left behind is replayed.
            ["Mesh:Usage:Spool:Enabled"] = "false",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddMeshService("inference");
        builder.AddInference();
        builder.Services.RemoveAll<IUsagePublisher>();
        builder.Services.AddSingleton<IUsagePublisher, DiscardingPublisher>();
        var app = builder.Build();
        app.MapMeshService();
        app.MapGrpcService<InferenceService>();
        app.MapOpenAi();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => !a.EndsWith($":{openAiPort}", StringComparison.Ordinal));
        var server = new BenchServer(app, modelRoot, new Uri(address), new Uri($"http://127.0.0.1:{openAiPort}/v1/"));
        var models = app.Services.GetRequiredService<ModelHost>();
        foreach (var model in app.Services.GetRequiredService<ModelCatalog>().Models.Where(m => m.LoadAtStartup))
        {
            await models.GetAsync(model, cancellationToken);
        }

        return server;
    }

    public static CallOptions As(string tenant, CancellationToken cancellationToken) =>
        new(new Metadata { { "authorization", $"Bearer {AdminKey}" }, { "x-mesh-tenant", tenant } }, DateTime.UtcNow.AddMinutes(2), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        // Model writes that the start began may still be finishing; a folder left over is only disk.
        for (var attempt = 0; attempt < 5 && Directory.Exists(_modelRoot); attempt++)
        {
            try
            {
                Directory.Delete(_modelRoot, recursive: true);
            }
            catch (IOException)
            {
                await Task.Delay(200);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class DiscardingPublisher : IUsagePublisher
    {
        public ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
