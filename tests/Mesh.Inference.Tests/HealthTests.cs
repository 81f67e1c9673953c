using Grpc.Health.V1;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

[Collection(InferenceHostCollection.Name)]
public sealed class HealthTests(InferenceHost host)
{
    [Fact]
    public async Task HealthCheck_NoKeyAfterModelLoaded_Serving()
    {
        await host.CreateClient().EmbedAsync(InferenceHost.Request("load"), TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant()));
        var health = new Health.HealthClient(host.Factory.CreateChannel());

        var response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task ReadinessEndpoint_OnceStartupModelsLoad_ReportsHealthy()
    {
        await host.CreateClient().EmbedAsync(InferenceHost.Request("load"), TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant()));
        using var http = host.Factory.CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        // Every model marked loadAtStartup (the decoder too, built on first start) must be ready.
        var status = 0;
        while (status != 200)
        {
            using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), timeout.Token);
            status = (int)response.StatusCode;
            Assert.True(status is 200 or 503, $"/health answered {status}");
            if (status == 503)
            {
                await Task.Delay(200, timeout.Token);
            }
        }
    }
}
