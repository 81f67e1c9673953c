using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Health.V1;
using Mesh.Agents.V1;
using Mesh.Telemetry.V1;

namespace Mesh.AppHost.Tests;

public sealed class MeshEndToEndTests(MeshFixture mesh) : IClassFixture<MeshFixture>
{
    [Fact]
    public async Task RunAgent_ArithmeticQuestion_AnswersAndStoresPricedUsageOfTheRun()
    {
        var agents = new Agents.V1.Agents.AgentsClient(mesh.Channel("agents"));
        var events = new List<RunEvent>();
        using (var call = agents.RunAgent(new RunAgentRequest { Input = "What is 12.5 * (3 + 4.2)?" }, MeshFixture.As()))
        {
            await foreach (var runEvent in call.ResponseStream.ReadAllAsync())
            {
                events.Add(runEvent);
            }
        }

        // The run's end is the stream's last event: live cost events come before it, never after.
        var completed = events[^1].Completed;
        Assert.True(completed is not null, $"the stream did not end with the run's completion: {events[^1]}");
        Assert.Contains("= 90", completed.Answer, StringComparison.Ordinal);
        // Stored events are numbered 1, 2, 3, ...; live ones (cost so far) repeat the last stored number.
        var stored = events.Where(e => !e.Live).ToList();
        Assert.Equal(Enumerable.Range(1, stored.Count), stored.Select(e => e.Sequence));
        var steps = events.Where(e => e.Step is not null).Select(e => e.Step).ToList();
        Assert.Equal(["embed", "retrieve", "branch", "tool", "set"], steps.Select(s => s.Kind));
        var embedTokens = steps[0].Tokens;
        Assert.True(embedTokens > 0);

        var report = await WaitForUsageAsync(events[0].RunId, expectedEvents: 8);
        var byResource = report.Rows.ToDictionary(r => r.Keys[0]);
        Assert.Equal(embedTokens, byResource["all-MiniLM-L6-v2"].InputTokens);
        Assert.Equal(Cost(embedTokens * 0.02m / 1_000_000m), byResource["all-MiniLM-L6-v2"].CostUsd);
        Assert.Equal(Cost(0.0001m), byResource["calculator"].CostUsd);
        Assert.Equal(Cost(0.00005m), byResource["knowledge-search"].CostUsd);
        Assert.Equal(5, byResource["assistant"].Events);
        Assert.Equal(Cost(5 * 0.0002m), byResource["assistant"].CostUsd);
        Assert.Equal(Cost((embedTokens * 0.02m / 1_000_000m) + 0.0001m + 0.00005m + (5 * 0.0002m)), report.Total.CostUsd);
    }

    [Fact]
    public async Task OpenAiEmbeddings_OverHttpOnTheMesh_BilledLikeGrpcInTheCallersTenant()
    {
        var tenant = $"openai-{Guid.NewGuid():N}"[..20];
        using var http = new HttpClient { BaseAddress = mesh.App.GetEndpoint("inference", "openai"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", MeshFixture.ApiKey);
        http.DefaultRequestHeaders.Add("x-mesh-tenant", tenant);

        using var response = await http.PostAsync(
            new Uri("/v1/embeddings", UriKind.Relative),
            new StringContent("{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"the mesh meters every call\"}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var tokens = body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.True(response.Headers.Contains("x-mesh-usage-id"));
        var analytics = new Analytics.AnalyticsClient(mesh.Channel("telemetry"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        UsageReport report;
        do
        {
            await Task.Delay(250, timeout.Token);
            report = await analytics.GetUsageAsync(new UsageQuery { GroupBy = { Dimension.Resource } }, MeshFixture.As(tenant));
        }
        while (!report.Rows.Any(r => r.Keys[0] == "all-MiniLM-L6-v2"));
        // One metered embedding event in the tenant the call was for, as for the same call over gRPC.
        var row = Assert.Single(report.Rows, r => r.Keys[0] == "all-MiniLM-L6-v2");
        Assert.Equal(tokens, row.InputTokens);
        Assert.Equal(1, row.Events);
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("inference")]
    [InlineData("tools")]
    [InlineData("agents")]
    [InlineData("telemetry")]
    public async Task EveryService_WithoutValidKey_HealthServesButRpcIsUnauthenticated(string service)
    {
        var channel = mesh.Channel(service);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var noKey = await Assert.ThrowsAsync<RpcException>(() => CallAsync(service, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30))));
        Assert.Equal(StatusCode.Unauthenticated, noKey.StatusCode);
        var wrongKey = await Assert.ThrowsAsync<RpcException>(() => CallAsync(service, MeshFixture.As(apiKey: "not-a-valid-key-at-all")));
        Assert.Equal(StatusCode.Unauthenticated, wrongKey.StatusCode);
        await CallAsync(service, MeshFixture.As());
    }

    private Task CallAsync(string service, CallOptions options)
    {
        var channel = mesh.Channel(service);
        return service switch
        {
            "identity" => new Identity.V1.Identity.IdentityClient(channel).WhoAmIAsync(new Identity.V1.WhoAmIRequest(), options).ResponseAsync,
            "inference" => new Inference.V1.Inference.InferenceClient(channel).ListModelsAsync(new Inference.V1.ListModelsRequest(), options).ResponseAsync,
            "tools" => new Tools.V1.Tools.ToolsClient(channel).ListToolsAsync(new Tools.V1.ListToolsRequest(), options).ResponseAsync,
            "agents" => new Agents.V1.Agents.AgentsClient(channel).ListAgentsAsync(new ListAgentsRequest(), options).ResponseAsync,
            _ => new Analytics.AnalyticsClient(channel).GetUsageAsync(new UsageQuery(), options).ResponseAsync,
        };
    }

    private async Task<UsageReport> WaitForUsageAsync(string runId, int expectedEvents)
    {
        var analytics = new Analytics.AnalyticsClient(mesh.Channel("telemetry"));
        var query = new UsageQuery { RunId = runId, GroupBy = { Dimension.Resource } };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var report = await analytics.GetUsageAsync(query, MeshFixture.As());
            if (report.Total.Events >= expectedEvents)
            {
                Assert.Equal(expectedEvents, report.Total.Events);
                return report;
            }

            await Task.Delay(250, timeout.Token);
        }
    }

    private static string Cost(decimal usd) =>
        decimal.Round(usd, 9, MidpointRounding.ToEven).ToString("0.000000000", System.Globalization.CultureInfo.InvariantCulture);
}
