using DuckDB.NET.Data;
using Grpc.Core;
using Mesh.Metering;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Telemetry.Tests.Ingest;

public sealed class UsageIngestServiceTests
{
    [Fact]
    public async Task Publish_AdminKey_StoresPricedEventsWithPriceVersion()
    {
        using var host = new TelemetryHost();
        var embedding = Events.Embedding(inputTokens: 137);
        var request = new PublishRequest { Events = { embedding, Events.ToolCall() } };

        var response = await host.Ingest.PublishAsync(request, TestCalls.As(TestKeys.Admin));

        Assert.Equal(2, response.Stored);
        Assert.Equal(0, response.Duplicates);
        Assert.Empty(response.Rejected);
        var row = ReadRow(host, embedding.EventId);
        // 137 tokens at 0.02/M plus 50 ms at 0.0001 per compute second.
        Assert.Equal(0.00000774m, row.Cost);
        Assert.Equal("2026-12-06", row.PriceVersion);
        Assert.Equal("embedding", row.Kind);
        Assert.Equal("ok", row.Status);
    }

    [Fact]
    public async Task Publish_SameEventsTwice_SecondCallReportsDuplicates()
    {
        using var host = new TelemetryHost();
        var request = new PublishRequest { Events = { Events.ToolCall(), Events.ToolCall() } };

        await host.Ingest.PublishAsync(request, TestCalls.As(TestKeys.Admin));
        var again = await host.Ingest.PublishAsync(request, TestCalls.As(TestKeys.Admin));

        Assert.Equal(0, again.Stored);
        Assert.Equal(2, again.Duplicates);
    }

    [Fact]
    public async Task Publish_InvalidEventsInBatch_RejectedWithReasonsWhileValidOnesAreStored()
    {
        using var host = new TelemetryHost();
        var valid = Events.ToolCall();
        var badId = Events.ToolCall();
        badId.EventId = "not-a-uuid";
        var noTenant = Events.ToolCall(tenant: "");
        var noTime = Events.ToolCall();
        noTime.OccurredAt = null;
        var noKind = Events.ToolCall();
        noKind.Kind = UsageKind.Unspecified;
        var negativeTokens = Events.Embedding(inputTokens: -1);
        var negativeMs = Events.Embedding();
        negativeMs.ComputeMs = -5;
        var negativeBatch = Events.Embedding();
        negativeBatch.BatchSize = -1;
        var request = new PublishRequest { Events = { badId, valid, noTenant, noTime, noKind, negativeTokens, negativeMs, negativeBatch } };

        var response = await host.Ingest.PublishAsync(request, TestCalls.As(TestKeys.Admin));

        Assert.Equal(1, response.Stored);
        var reasons = response.Rejected.ToDictionary(r => r.EventId, r => r.Reason);
        Assert.Equal(7, reasons.Count);
        Assert.Contains("event_id", reasons["not-a-uuid"], StringComparison.Ordinal);
        Assert.Contains("tenant_id", reasons[noTenant.EventId], StringComparison.Ordinal);
        Assert.Contains("occurred_at", reasons[noTime.EventId], StringComparison.Ordinal);
        Assert.Contains("kind", reasons[noKind.EventId], StringComparison.Ordinal);
        Assert.Contains("input_tokens", reasons[negativeTokens.EventId], StringComparison.Ordinal);
        Assert.Contains("compute_ms", reasons[negativeMs.EventId], StringComparison.Ordinal);
        Assert.Contains("batch_size", reasons[negativeBatch.EventId], StringComparison.Ordinal);
        Assert.Equal("0.000100000", ReadRow(host, valid.EventId).Cost.ToString("F9", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(TestKeys.Acme)]
    [InlineData(TestKeys.Globex)]
    public async Task Publish_NonAdminKey_PermissionDenied(string apiKey)
    {
        using var host = new TelemetryHost();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Ingest.PublishAsync(new PublishRequest { Events = { Events.ToolCall() } }, TestCalls.As(apiKey)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("PublishUsage right", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_MoreThan10000Events_InvalidArgument()
    {
        using var host = new TelemetryHost();
        var request = new PublishRequest();
        request.Events.AddRange(Enumerable.Range(0, UsageIngestService.MaxEventsPerCall + 1).Select(_ => new UsageEvent()));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Ingest.PublishAsync(request, TestCalls.As(TestKeys.Admin)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task UsageSink_TelemetrysOwnUsage_IsStoredLocally()
    {
        using var host = new TelemetryHost();
        var sink = host.Services.GetRequiredService<IUsageSink>();
        var usageEvent = Events.ToolCall(tool: "knowledge-search");

        var delivery = await sink.DeliverAsync([usageEvent], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.IsType<LocalUsageSink>(sink);
        Assert.Equal(1, delivery.Stored);
        Assert.Equal(0.00005m, ReadRow(host, usageEvent.EventId).Cost);
    }

    private static (decimal Cost, string PriceVersion, string Kind, string Status) ReadRow(TelemetryHost host, string eventId)
    {
        var path = host.Services.GetRequiredService<DuckDbUsageStore>().Path;
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT cost_usd, price_version, kind, status FROM usage_events WHERE event_id = $1";
        command.Parameters.Add(new DuckDBParameter(Guid.Parse(eventId)));
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"event {eventId} was not stored");
        return (reader.GetDecimal(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
    }
}
