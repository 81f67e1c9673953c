using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.DevServers;
using Mesh.Distributed.Tests.Support;
using Mesh.Metering.Calls;
using Mesh.Tools.V1;

namespace Mesh.Distributed.Tests;

/// <summary>
/// A service killed with SIGKILL while it works loses no usage: every call that completed was
/// spooled before it completed, and the restarted service delivers what the dead one had not.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class ServiceCrashTests(DistributedFixture servers)
{
    private const int Callers = 8;

    [Fact]
    public async Task Service_KilledUnderLoadWhileKafkaIsAwayThenRestarted_StoresTheEventOfEveryCompletedCallExactlyOnce()
    {
        await using var scenario = await IngestScenario.CreateAsync(servers, partitions: 8);
        scenario.StartIngestor();
        await scenario.WaitForAssignmentAsync();
        var spool = Path.Combine(Path.GetTempPath(), $"mesh-crash-spool-{Guid.NewGuid():N}");
        var (port, healthPort) = (FreePort.Next(), FreePort.Next());
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var completed = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var tools = StartTools(scenario, spool, port, healthPort);
        try
        {
            await WaitHealthyAsync(healthPort);
            var callers = Enumerable.Range(0, Callers).Select(_ => CallAsync(new Tools.V1.Tools.ToolsClient(channel), completed, stop.Token)).ToList();
            await WaitForAsync(() => completed.Count >= 200);

            // Kafka goes away: the service keeps answering and its usage waits in buffer and spool.
            await servers.Broker.SetDownAsync();
            var atBrokerDown = completed.Count;
            await WaitForAsync(() => completed.Count >= atBrokerDown + 500);
            tools.Kill();
            var atKill = completed.Count;
            await servers.Broker.SetUpAsync();

            tools.Dispose();
            tools = StartTools(scenario, spool, port, healthPort);
            await WaitHealthyAsync(healthPort);
            await WaitForAsync(() => completed.Count >= atKill + 200);
            await stop.CancelAsync();
            await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

            var stored = await scenario.WaitForStoredAsync(completed.Count, TimeSpan.FromSeconds(120));
            var storedIds = await scenario.StoredIdsAsync();
            var missing = completed.Where(id => !storedIds.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {completed.Count} completed calls have no stored usage ({atKill - atBrokerDown} completed while Kafka was away)");
            Assert.Equal(stored.Distinct, stored.Rows);
        }
        finally
        {
            await servers.Broker.SetUpAsync();
            tools.Dispose();
            if (Directory.Exists(spool))
            {
                Directory.Delete(spool, recursive: true);
            }
        }
    }

    /// <summary>Calls the calculator until stopped; keeps the usage id of every call that completed.</summary>
    private static async Task CallAsync(Tools.V1.Tools.ToolsClient client, ConcurrentBag<string> completed, CancellationToken stop)
    {
        var headers = new Metadata { { "authorization", $"Bearer {IngestScenario.ApiKey}" }, { "x-mesh-tenant", "acme" } };
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = client.InvokeToolAsync(new InvokeToolRequest { Tool = "calculator", ArgumentsJson = """{"expression":"6*7"}""" },
                    new CallOptions(headers, DateTime.UtcNow.AddSeconds(10)));
                await call.ResponseAsync;
                completed.Add(call.GetTrailers().GetValue(MeteringInterceptor.UsageIdTrailer)!);
            }
            catch (RpcException)
            {
                await Task.Delay(20, CancellationToken.None); // the service is down or restarting
            }
        }
    }

    private static ChildProcess StartTools(IngestScenario scenario, string spool, int port, int healthPort) =>
        ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Tools", typeof(ServiceCrashTests).Assembly), [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__http__Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel__Endpoints__health__Url"] = $"http://127.0.0.1:{healthPort}",
            ["Mesh__BootstrapApiKey"] = IngestScenario.ApiKey,
            ["Mesh__Authorization__Mode"] = "Credentials",
            ["Mesh__Usage__Sink"] = "kafka",
            ["Mesh__Usage__Kafka__Topic"] = scenario.Topic,
            ["Mesh__Usage__Spool__Directory"] = spool,
            ["ConnectionStrings__kafka"] = scenario.Bootstrap,
            ["Logging__LogLevel__Default"] = "Warning",
            ["OTEL_SDK_DISABLED"] = "true",
        });

    private static async Task WaitHealthyAsync(int healthPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{healthPort}/alive"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "the tools service did not come up");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
