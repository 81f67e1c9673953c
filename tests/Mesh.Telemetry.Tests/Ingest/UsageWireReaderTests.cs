using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Ingest.Kafka;
using Mesh.Telemetry.Pricing;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Tests.Analytics;
using Mesh.Telemetry.Tests.Support;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Tests.Ingest;

/// <summary>
/// The ingest's fast path against the full one (Google.Protobuf's parse, then the converter):
/// whatever the fast path reads, it must read exactly as the full path does.
/// </summary>
public sealed class UsageWireReaderTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] Resources = ["all-MiniLM-L6-v2", "tiny-gpt", "calculator", "knowledge-search", "unpriced-model", ""];
    private static readonly string[] Texts = ["", "alice", "o'brien", "tënant-ü", "日本語", " ", "\t", new('x', 256), new('x', 257), new('é', 200)];

    private readonly TempDatabase _database = new();
    private DuckDbUsageStore _store = null!;
    private PriceBookProvider _prices = null!;
    private UsageEventConverter _converter = null!;
    private UsageWireReader _wire = null!;

    public async Task InitializeAsync()
    {
        _store = new DuckDbUsageStore(_database.Path);
        _prices = await AnalyticsData.PricesAsync(_store);
        _converter = new UsageEventConverter(_prices);
        _wire = new UsageWireReader(_converter);
    }

    public Task DisposeAsync() => _prices.StopAsync(CancellationToken.None);

    public void Dispose()
    {
        _store.Dispose();
        _database.Dispose();
    }

    [Fact]
    public void TryRead_EventsOfEveryShape_ReadsWhatTheFullPathReadsAndTakesEveryPlainOne()
    {
        var random = new Random(20261208);
        var (read, plain) = (0, 0);
        for (var i = 0; i < 5_000; i++)
        {
            var isPlain = random.Next(3) == 0;
            var usageEvent = isPlain ? Plain(random) : Shaped(random);
            var readBefore = random.Next(4) == 0;

            var fast = AssertReadAsTheFullPath(usageEvent.ToByteArray(), readBefore);

            read += fast ? 1 : 0;
            plain += isPlain ? 1 : 0;
            Assert.True(fast || !isPlain, $"a plain event was not taken: {usageEvent}");
        }

        Assert.InRange(read, plain, 5_000);
    }

    [Fact]
    public void TryRead_MangledBytes_NeverReadsThemOtherwiseThanTheFullPath()
    {
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = Plain(random).ToByteArray();
            AssertReadAsTheFullPath(Mangle(bytes, random), readBefore: false);
        }
    }

    [Fact]
    public void TryRead_FieldRepeated_LeavesItToTheFullPathWhichKeepsTheLast()
    {
        var usageEvent = Plain(new Random(1));
        var bytes = usageEvent.ToByteArray().Concat(new UsageEvent { TenantId = "globex" }.ToByteArray()).ToArray();

        Assert.False(_wire.TryRead(bytes, readBefore: false, out _));
        Assert.True(_converter.TryConvert(UsageEvent.Parser.ParseFrom(bytes), out var record, out _));
        Assert.Equal("globex", record!.TenantId);
    }

    [Fact]
    public void TryRead_PlainEvent_PricesItByTheListInForceWhenItOccurred()
    {
        var usageEvent = Events.Embedding(inputTokens: 2_000);
        usageEvent.Resource = "tiny-gpt";
        usageEvent.OutputTokens = 100;
        usageEvent.FirstSend = true;

        Assert.True(_wire.TryRead(usageEvent.ToByteArray(), readBefore: false, out var record));

        Assert.Equal("march", record!.PriceVersion);
        Assert.Equal((2_000 * 0.2m / 1_000_000) + (100 * 0.8m / 1_000_000), record.CostUsd); // the 2,000-token tier
        Assert.True(record.FirstArrival);
    }

    /// <summary>Reads <paramref name="bytes"/> both ways; true when the fast path took it.</summary>
    private bool AssertReadAsTheFullPath(byte[] bytes, bool readBefore)
    {
        if (!_wire.TryRead(bytes, readBefore, out var fast))
        {
            return false;
        }

        var parsed = UsageEvent.Parser.ParseFrom(bytes);
        Assert.True(_converter.TryConvert(parsed, out var full, out var reason, !readBefore && parsed.FirstSend), $"the fast path took an event the full path refuses ({reason}): {parsed}");
        Assert.Equal(full, fast);
        return true;
    }

    /// <summary>A valid event with no attributes or reservation, in canonical form: the fast path's to take.</summary>
    private static UsageEvent Plain(Random random)
    {
        var input = random.NextInt64(0, 100_000);
        var output = random.NextInt64(0, 10_000);
        return new UsageEvent
        {
            EventId = Guid.NewGuid().ToString(),
            OccurredAt = new Timestamp { Seconds = random.NextInt64(0, 4_294_967_295), Nanos = random.Next(0, 1_000_000_000) },
            TenantId = Pick(random, ["acme", "globex", "o'brien", "tënant-ü", new string('t', 256)]),
            PrincipalId = Pick(random, ["", "alice", "svc-äöü"]),
            AgentId = Pick(random, ["", "researcher"]),
            RunId = random.Next(2) == 0 ? "" : Guid.NewGuid().ToString("N"),
            StepId = Pick(random, ["", "step-1", "日本語"]),
            Service = Pick(random, ["inference", "tools", "agents"]),
            Kind = (UsageKind)random.Next(1, 8),
            Resource = Pick(random, Resources),
            ResourceVersion = Pick(random, ["", "1", "2"]),
            Device = Pick(random, ["", "cpu", "cuda:0"]),
            InputTokens = input,
            OutputTokens = output,
            CachedTokens = random.NextInt64(0, input + 1),
            ReasoningTokens = random.NextInt64(0, output + 1),
            QueueMs = random.NextDouble() * 100,
            ComputeMs = random.NextDouble() * 1_000,
            TotalMs = random.NextDouble() * 2_000,
            TimeToFirstTokenMs = random.Next(2) == 0 ? 0 : random.NextDouble() * 500,
            BatchSize = random.Next(0, 64),
            Status = (UsageStatus)random.Next(0, 5),
            TraceId = random.Next(2) == 0 ? "" : Guid.NewGuid().ToString("N"),
            FirstSend = random.Next(2) == 0,
        };
    }

    /// <summary>A plain event with one or more things changed that the fast path must read right or leave alone.</summary>
    private static UsageEvent Shaped(Random random)
    {
        var e = Plain(random);
        for (var changes = random.Next(1, 4); changes > 0; changes--)
        {
            switch (random.Next(17))
            {
                case 0: e.EventId = Pick(random, [e.EventId.ToUpperInvariant(), Guid.NewGuid().ToString("N"), $"{{{e.EventId}}}", $" {e.EventId}", "not-a-uuid", ""]); break;
                case 1: e.TenantId = Pick(random, Texts); break;
                case 2: e.PrincipalId = Pick(random, Texts); break;
                case 3: e.Resource = Pick(random, Texts); break;
                case 4: e.OccurredAt = Pick(random, [null, new Timestamp { Seconds = -1 }, new Timestamp { Seconds = 4_294_967_296 }, new Timestamp { Nanos = -1 }, new Timestamp { Seconds = 5, Nanos = 1_000_000_000 }, new Timestamp()]); break;
                case 5: e.Kind = (UsageKind)Pick(random, [0, 7, 8, -1, 1_000]); break;
                case 6: e.Status = (UsageStatus)Pick(random, [0, 4, 5, -3]); break;
                case 7: e.InputTokens = Pick(random, [-1L, 0L, long.MaxValue, 10_000_000_000_000L]); break;
                case 8: e.CachedTokens = e.InputTokens + random.Next(0, 3); break;
                case 9: e.ReasoningTokens = Pick(random, [-5L, e.OutputTokens + 1]); break;
                case 10: e.ComputeMs = Pick(random, [double.NaN, double.PositiveInfinity, -0.5, 1e30, 0]); break;
                case 11: e.TimeToFirstTokenMs = Pick(random, [double.NaN, -1, 3.25]); break;
                case 12: e.BatchSize = Pick(random, [-1, int.MaxValue]); break;
                case 13: e.Attributes[Pick(random, ["price_class", "model", "x"])] = Pick(random, ["tiny-gpt", "v", ""]); break;
                case 14: e.ReservationId = "res-1"; e.ReservedUsd = Pick(random, ["", "0.00001", "abc", "-1"]); break;
                case 15: e.Device = Pick(random, ["CUDA:1", "gpu", new string('d', 300)]); break;
                default: e.TraceId = Pick(random, Texts); break;
            }
        }

        return e;
    }

    /// <summary>The bytes with one random change: a byte changed, cut short, a field repeated, or an unknown field added.</summary>
    private static byte[] Mangle(byte[] bytes, Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                var changed = (byte[])bytes.Clone();
                changed[random.Next(changed.Length)] = (byte)random.Next(256);
                return changed;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                return [.. bytes, .. new UsageEvent { InputTokens = 5, Device = "cuda:0" }.ToByteArray()];
            default:
                return [.. bytes, (byte)((random.Next(28, 40) << 3) | 0), 1];
        }
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
}
