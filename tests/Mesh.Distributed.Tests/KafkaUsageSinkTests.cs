using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Mesh.Distributed.Tests.Support;
using Mesh.Metering;
using Mesh.Metering.Kafka;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Distributed.Tests;

[Collection(DistributedCollection.Name)]
public sealed class KafkaUsageSinkTests(DistributedFixture servers)
{
    [Fact]
    public async Task DeliverAsync_BatchWithHeadersOn_ProducesProtobufKeyedByTenantWithTraceContext()
    {
        var topic = "sink-" + Guid.NewGuid().ToString("N");
        await servers.Broker.CreateTopicAsync(topic, 4);
        using var sink = new KafkaUsageSink(servers.Broker.Bootstrap, Options.Create(new KafkaUsageOptions { Topic = topic, Headers = true }), new MeshServiceInfo("tests"), NullLogger<KafkaUsageSink>.Instance);
        var traced = Event("acme");
        traced.TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var batch = new[] { traced, Event("globex"), Event("acme") };

        var delivery = await sink.DeliverAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var messages = Read(topic, 3);

        Assert.Equal(3, delivery.Stored);
        Assert.Equal(batch.Select(e => e.EventId).Order(), messages.Select(m => UsageEvent.Parser.ParseFrom(m.Message.Value).EventId).Order());
        Assert.All(messages, m => Assert.Equal(UsageEvent.Parser.ParseFrom(m.Message.Value).TenantId, m.Message.Key));
        // One tenant, one partition: its events stay in order for the ingestor.
        Assert.Single(messages.Where(m => m.Message.Key == "acme").Select(m => m.Partition.Value).Distinct());
        var first = messages.Single(m => UsageEvent.Parser.ParseFrom(m.Message.Value).EventId == traced.EventId);
        Assert.Matches("^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$", Header(first, UsageTopic.TraceParentHeader));
        Assert.Equal(traced.EventId, Header(first, UsageTopic.EventIdHeader));
    }

    [Fact]
    public async Task DeliverAsync_Default_RecordsCarryNoHeadersAndTheEventCarriesItsIdAndTrace()
    {
        var topic = "sink-" + Guid.NewGuid().ToString("N");
        await servers.Broker.CreateTopicAsync(topic, 2);
        using var sink = new KafkaUsageSink(servers.Broker.Bootstrap, Options.Create(new KafkaUsageOptions { Topic = topic }), new MeshServiceInfo("tests"), NullLogger<KafkaUsageSink>.Instance);
        var traced = Event("acme");
        traced.TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        await sink.DeliverAsync([traced], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var message = Assert.Single(Read(topic, 1));

        Assert.True(message.Message.Headers is null || message.Message.Headers.Count == 0);
        var stored = UsageEvent.Parser.ParseFrom(message.Message.Value);
        Assert.Equal((traced.EventId, traced.TraceId), (stored.EventId, stored.TraceId));
    }

    [Fact]
    public async Task DeliverAsync_EventsSerializedAlready_ProducesThoseBytesKeyedByTheirTenant()
    {
        var topic = "sink-" + Guid.NewGuid().ToString("N");
        await servers.Broker.CreateTopicAsync(topic, 2);
        using var kafka = new KafkaUsageSink(servers.Broker.Bootstrap, Options.Create(new KafkaUsageOptions { Topic = topic }), new MeshServiceInfo("tests"), NullLogger<KafkaUsageSink>.Instance);
        IUsageSink sink = kafka;
        var spooled = Event("acme").ToByteArray();
        var live = Event("globex");

        var delivery = await sink.DeliverAsync([new EncodedUsage(spooled, "acme"), new EncodedUsage(live)], firstSend: false, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var messages = Read(topic, 2);

        Assert.Equal(2, delivery.Stored);
        Assert.Equal(spooled, messages.Single(m => m.Message.Key == "acme").Message.Value);
        Assert.Equal(live, UsageEvent.Parser.ParseFrom(messages.Single(m => m.Message.Key == "globex").Message.Value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeliverAsync_FirstSendAndResend_OnlyTheFirstSendIsMarked(bool traceHeaders)
    {
        var topic = "sink-" + Guid.NewGuid().ToString("N");
        await servers.Broker.CreateTopicAsync(topic, 2);
        using var kafka = new KafkaUsageSink(servers.Broker.Bootstrap, Options.Create(new KafkaUsageOptions { Topic = topic, Headers = traceHeaders }), new MeshServiceInfo("tests"), NullLogger<KafkaUsageSink>.Instance);
        IUsageSink sink = kafka;

        var spooled = Event("acme");
        await sink.DeliverAsync([new EncodedUsage(Event("acme")), new EncodedUsage(spooled.ToByteArray(), "acme")], firstSend: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await sink.DeliverAsync([new EncodedUsage(Event("globex"))], firstSend: false, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var messages = Read(topic, 3);

        Assert.All(messages.Where(m => m.Message.Key == "acme"), m => Assert.True(UsageEvent.Parser.ParseFrom(m.Message.Value).FirstSend));
        var fromBytes = messages.Select(m => UsageEvent.Parser.ParseFrom(m.Message.Value)).Single(e => e.EventId == spooled.EventId);
        fromBytes.FirstSend = false;
        Assert.Equal(spooled, fromBytes);
        var resent = UsageEvent.Parser.ParseFrom(messages.Single(m => m.Message.Key == "globex").Message.Value);
        Assert.False(resent.FirstSend);
        Assert.Equal("globex", resent.TenantId);
    }

    [Fact]
    public async Task DeliverAsync_BrokerDownThenUp_CompletesOnceKafkaHasTheBatch()
    {
        var topic = "sink-" + Guid.NewGuid().ToString("N");
        await servers.Broker.CreateTopicAsync(topic, 2);
        using var sink = new KafkaUsageSink(servers.Broker.Bootstrap, Options.Create(new KafkaUsageOptions { Topic = topic }), new MeshServiceInfo("tests"), NullLogger<KafkaUsageSink>.Instance);
        await sink.DeliverAsync([Event("acme")], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await servers.Broker.SetDownAsync();
        Task<UsageDelivery> delivering;
        try
        {
            delivering = sink.DeliverAsync([Event("acme"), Event("globex")], CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(delivering.IsCompleted, "a batch counted as delivered while the broker was down");
        }
        finally
        {
            await servers.Broker.SetUpAsync();
        }

        Assert.Equal(2, (await delivering.WaitAsync(TimeSpan.FromSeconds(60))).Stored);
        Assert.Equal(3, Read(topic, 3).Count);
    }

    [Theory]
    [InlineData(null, typeof(GrpcUsageSink))]
    [InlineData("grpc", typeof(GrpcUsageSink))]
    [InlineData("kafka", typeof(KafkaUsageSink))]
    public void AddMeshService_UsageSinkSetting_SelectsTheSink(string? sink, Type expected)
    {
        using var app = Build(sink, kafka: "127.0.0.1:1");

        Assert.IsType(expected, app.Services.GetRequiredService<IUsageSink>());
    }

    [Fact]
    public void AddMeshService_KafkaSinkWithoutConnectionString_FailsNamingTheSetting()
    {
        using var app = Build("kafka", kafka: null);

        var error = Assert.Throws<InvalidOperationException>(() => app.Services.GetRequiredService<IUsageSink>());
        Assert.Contains("ConnectionStrings:kafka", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMeshService_UnknownSink_FailsValidation()
    {
        using var app = Build("carrier-pigeon", kafka: null);

        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<UsageSinkOptions>>().Value);
        Assert.Contains("Mesh:Usage:Sink", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication Build(string? sink, string? kafka)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Mesh:BootstrapApiKey"] = "sink-tests-admin-key-000000000000";
        builder.Configuration["Mesh:Authorization:Mode"] = "Credentials";
        builder.Configuration["Mesh:Usage:Sink"] = sink;
        builder.Configuration["ConnectionStrings:kafka"] = kafka;
        builder.AddMeshService("tests");
        return builder.Build();
    }

    private static UsageEvent Event(string tenant) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
        TenantId = tenant,
        Service = "tests",
        Kind = UsageKind.ToolCall,
        Resource = "calculator",
        Status = UsageStatus.Ok,
    };

    private List<ConsumeResult<string, byte[]>> Read(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = servers.Broker.Bootstrap,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var messages = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (messages.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: not null } result)
            {
                messages.Add(result);
            }
        }

        consumer.Close();
        return messages;
    }

    private static string Header(ConsumeResult<string, byte[]> message, string name) =>
        message.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : "";
}
