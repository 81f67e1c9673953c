using System.Net;
using System.Net.Sockets;
using Mesh.DevServers;
using Mesh.Inference.Models;
using Mesh.Testing;

namespace Mesh.Inference.Tests.Processes;

/// <summary>
/// Two inference processes: the upstream, serving its built-in models, and the gateway, whose
/// repository routes hosted models to it (<c>remote-gpt</c>), to a closed port (<c>down-remote</c>)
/// and to a listener that accepts and never answers (<c>silent-remote</c>).
/// </summary>
public sealed class UpstreamPair : IAsyncLifetime, IDisposable
{
    private readonly string _repository = Directory.CreateTempSubdirectory("mesh-gateway-").FullName;
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();

    public InferenceProcess Upstream { get; private set; } = null!;

    public InferenceProcess Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _silent.Start();
        _ = HoldConnectionsAsync();
        Upstream = await InferenceProcess.StartAsync(new Dictionary<string, string>());
        var minilm = BuiltinModels.MiniLmL6V2;
        var models = Path.Combine(Path.GetDirectoryName(MeshBuild.ProjectAssembly("Mesh.Inference"))!, "models");
        Directory.CreateSymbolicLink(Path.Combine(_repository, minilm.Name), Path.Combine(models, minilm.Name));
        Hosted("remote-gpt", Upstream.OpenAiUrl, "kjv-gpt", timeoutSeconds: 30, retries: 1);
        Hosted("down-remote", new Uri($"http://127.0.0.1:{FreePort.Next()}/v1"), "tiny-gpt", timeoutSeconds: 5, retries: 1);
        Hosted("silent-remote", new Uri($"http://127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}/v1"), "tiny-gpt", timeoutSeconds: 1, retries: 0);
        Gateway = await InferenceProcess.StartAsync(
            new Dictionary<string, string> { ["Mesh:Inference:ModelRoot"] = _repository },
            new Dictionary<string, string> { ["Mesh__Upstreams__test__ApiKey"] = TestKeys.Acme });
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _silent.Stop();
        foreach (var socket in _held)
        {
            socket.Dispose();
        }

        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }

        Directory.Delete(_repository, recursive: true);
    }

    public void Dispose()
    {
        _silent.Dispose();
        _stop.Dispose();
    }

    private void Hosted(string name, Uri baseUrl, string model, int timeoutSeconds, int retries)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_repository, name)).FullName;
        File.WriteAllText(Path.Combine(folder, ModelConfigFile.FileName), $$"""
            { "kind": "causal-lm", "maxBatch": 4, "priceClass": "{{name}}",
              "upstream": { "baseUrl": "{{baseUrl}}", "model": "{{model}}", "apiKeySetting": "Mesh:Upstreams:test:ApiKey",
                            "timeoutSeconds": {{timeoutSeconds}}, "maxRetries": {{retries}} } }
            """);
    }

    /// <summary>Accepts connections and never answers: an upstream that hangs.</summary>
    private async Task HoldConnectionsAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                _held.Add(await _silent.AcceptSocketAsync(_stop.Token));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }
}
