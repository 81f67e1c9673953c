using Mesh.DevServers;
using Mesh.Testing;

namespace Mesh.Inference.Tests.Processes;

/// <summary>
/// The real inference service as a process of its own on free loopback ports (gRPC, health and the
/// OpenAI-compatible API), authorizing by credential alone with the test keys, and shipping usage
/// nowhere (its telemetry address is a closed port: events wait in its buffer).
/// </summary>
public sealed class InferenceProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private InferenceProcess(ChildProcess process, int grpcPort, int healthPort, int openAiPort)
    {
        _process = process;
        GrpcUrl = new Uri($"http://127.0.0.1:{grpcPort}");
        HealthUrl = new Uri($"http://127.0.0.1:{healthPort}");
        OpenAiUrl = new Uri($"http://127.0.0.1:{openAiPort}/v1");
    }

    public Uri GrpcUrl { get; }

    public Uri HealthUrl { get; }

    /// <summary>The OpenAI-compatible base URL, ending in <c>/v1</c>.</summary>
    public Uri OpenAiUrl { get; }

    public string Output => _process.Output;

    public static async Task<InferenceProcess> StartAsync(IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (grpc, health, openAi, nowhere) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{grpc}",
            ["Kestrel:Endpoints:health:Url"] = $"http://127.0.0.1:{health}",
            ["Kestrel:Endpoints:openai:Url"] = $"http://127.0.0.1:{openAi}",
            ["services:identity:http:0"] = $"http://127.0.0.1:{nowhere}",
            ["services:telemetry:http:0"] = $"http://127.0.0.1:{nowhere}",
            ["Mesh:Usage:ShutdownFlushTimeout"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in TestKeys.Settings)
        {
            arguments[key] = value ?? "";
        }

        foreach (var (key, value) in settings)
        {
            arguments[key] = value;
        }

        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["ASPNETCORE_ENVIRONMENT"] = "Development" };
        var process = ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Inference"), arguments.Select(a => $"--{a.Key}={a.Value}"), env);
        var started = new InferenceProcess(process, grpc, health, openAi);
        try
        {
            await started.WaitHealthyAsync(TimeSpan.FromSeconds(120));
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    public ValueTask DisposeAsync()
    {
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Healthy once every model marked to load at startup is loaded.</summary>
    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the inference process exited:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(HealthUrl, "/health"), deadline.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"the inference process was not healthy within {timeout}:\n{Output}");
            }

            await Task.Delay(250, deadline.Token);
        }
    }
}
