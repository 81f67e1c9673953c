using System.Globalization;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Telemetry.V1;

namespace Mesh.AppHost.Tests;

/// <summary>The whole mesh in distributed mode: usage of an agent run through Kafka into ClickHouse, once.</summary>
public sealed class DistributedMeshTests
{
    [Fact]
    public async Task RunAgent_DistributedMode_StoresTheRunsUsageInClickHouseOnceAndStopsEverything()
    {
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var mesh = await DistributedMeshFixture.StartAsync(startup.Token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await using (mesh)
        {
            // Every service runs in distributed mode (so none accepts development keys).
            using (var modeSeen = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token))
            {
                modeSeen.CancelAfter(TimeSpan.FromSeconds(15));
                foreach (var service in MeshFixture.Services)
                {
                    await mesh.App.ResourceNotifications.WaitForResourceAsync(
                        service,
                        e => e.Snapshot.EnvironmentVariables.Any(v => v.Name == "Mesh__Mode" && v.Value == "distributed"),
                        modeSeen.Token);
                }
            }

            var events = new List<RunEvent>();
            var agents = new Agents.V1.Agents.AgentsClient(mesh.Channel("agents"));
            using (var call = agents.RunAgent(new RunAgentRequest { Input = "What is 12.5 * (3 + 4.2)?" }, DistributedMeshFixture.As().WithCancellationToken(timeout.Token)))
            {
                await foreach (var runEvent in call.ResponseStream.ReadAllAsync(timeout.Token))
                {
                    events.Add(runEvent);
                }
            }

            Assert.True(events[^1].Completed is not null, "the run did not complete:\n" + string.Join("\n", events));
            Assert.Contains("= 90", events[^1].Completed.Answer, StringComparison.Ordinal);
            var runId = events[0].RunId;
            Assert.True(Guid.TryParse(runId, out _), runId);
            var embedTokens = events.Where(e => e.Step is not null).Select(e => e.Step).First(s => s.Kind == "embed").Tokens;
            Assert.True(embedTokens > 0);

            var report = await WaitForUsageAsync(mesh, runId, expectedEvents: 8, timeout.Token);
            var byResource = report.Rows.ToDictionary(r => r.Keys[0]);
            var expectedCost = (embedTokens * 0.02m / 1_000_000m) + 0.0001m + 0.00005m + (5 * 0.0002m);
            Assert.Equal(embedTokens, byResource["all-MiniLM-L6-v2"].InputTokens);
            Assert.Equal(Cost(embedTokens * 0.02m / 1_000_000m), byResource["all-MiniLM-L6-v2"].CostUsd);
            Assert.Equal(Cost(0.0001m), byResource["calculator"].CostUsd);
            Assert.Equal(5, byResource["assistant"].Events);
            Assert.Equal(Cost(expectedCost), report.Total.CostUsd);

            // The rows themselves, read from ClickHouse: one per event, no copies, none in DuckDB.
            var rows = await mesh.ClickHouseAsync(
                $"SELECT count(), uniqExact(event_id), sum(input_tokens), toString(sum(cost_usd)) FROM mesh.usage_events WHERE run_id = '{runId}' FORMAT TSV",
                timeout.Token);
            var fields = rows.Trim().Split('\t');
            Assert.Equal(["8", "8", embedTokens.ToString(CultureInfo.InvariantCulture)], fields[..3]);
            Assert.Equal(expectedCost, decimal.Parse(fields[3], CultureInfo.InvariantCulture));
            Assert.False(File.Exists(mesh.DuckDbPath), "telemetry opened the embedded store in distributed mode");
            var running = mesh.LeftoverServers();
            Assert.Contains(running, p => p.Contains("clickhouse-server", StringComparison.Ordinal));
            Assert.Contains(running, p => p.Contains("Mesh.KafkaBroker", StringComparison.Ordinal));
        }

        Assert.Empty(mesh.LeftAfterStop);
    }

    [Theory]
    [InlineData("mesh-dev-admin-key", "the development key is set")]
    [InlineData("short-but-not-development-key", "has 29 characters")]
    public async Task CreateAsync_DistributedModeWithoutLongExplicitKey_RefusesWithWhatToSet(string key, string problem)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
                ["Mesh:Demo=false", "Mesh:Mode=distributed", $"Parameters:bootstrap-api-key={key}"], timeout.Token);
        });

        Assert.Contains("Parameters:bootstrap-api-key of at least 32 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private static async Task<UsageReport> WaitForUsageAsync(DistributedMeshFixture mesh, string runId, int expectedEvents, CancellationToken cancellationToken)
    {
        var analytics = new Analytics.AnalyticsClient(mesh.Channel("telemetry"));
        var query = new UsageQuery { RunId = runId, GroupBy = { Dimension.Resource } };
        while (true)
        {
            var report = await analytics.GetUsageAsync(query, DistributedMeshFixture.As().WithCancellationToken(cancellationToken));
            if (report.Total.Events >= expectedEvents)
            {
                Assert.Equal(expectedEvents, report.Total.Events);
                return report;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static string Cost(decimal usd) =>
        decimal.Round(usd, 9, MidpointRounding.ToEven).ToString("0.000000000", CultureInfo.InvariantCulture);
}
