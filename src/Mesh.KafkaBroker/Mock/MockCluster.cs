using System.Runtime.InteropServices;
using System.Text;

namespace Mesh.KafkaBroker.Mock;

/// <summary>
/// librdkafka's mock Kafka cluster: real Kafka wire protocol (idempotent produce, fetch,
/// consumer groups, offset commits) served from this process, with fault injection.
/// </summary>
public sealed class MockCluster : IDisposable
{
    private const int ProducerType = 0;
    private readonly Lock _gate = new();
    private nint _handle;
    private nint _cluster;

    public MockCluster(int brokerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        LibRdKafka.EnsureLoaded();
        var error = new byte[512];
        var conf = LibRdKafka.rd_kafka_conf_new();
        // Errors only: the host handle has no brokers of its own to warn about.
        LibRdKafka.rd_kafka_conf_set(conf, "log_level", "3", error, (nuint)error.Length);
        // The handle only hosts the cluster's threads; it never produces.
        _handle = LibRdKafka.rd_kafka_new(ProducerType, conf, error, (nuint)error.Length);
        if (_handle == 0)
        {
            throw new InvalidOperationException("librdkafka could not create a handle: " + Text(error));
        }

        _cluster = LibRdKafka.rd_kafka_mock_cluster_new(_handle, brokerCount);
        if (_cluster == 0)
        {
            LibRdKafka.rd_kafka_destroy(_handle);
            throw new InvalidOperationException("librdkafka could not create the mock cluster");
        }

        // Consumers join a group at once instead of after Kafka's usual 3 s initial delay.
        LibRdKafka.rd_kafka_mock_group_initial_rebalance_delay_ms(_cluster, 0);
        BrokerPorts = ParsePorts(Marshal.PtrToStringUTF8(LibRdKafka.rd_kafka_mock_cluster_bootstraps(_cluster)) ?? "");
        if (BrokerPorts.Count != brokerCount)
        {
            throw new InvalidOperationException($"the mock cluster reported {BrokerPorts.Count} brokers, expected {brokerCount}");
        }
    }

    /// <summary>The loopback port each broker (ids 1..n, in order) really listens on.</summary>
    public IReadOnlyList<int> BrokerPorts { get; }

    public void CreateTopic(string name, int partitions) =>
        Check(LibRdKafka.rd_kafka_mock_topic_create(Cluster, name, partitions, 1), $"create topic {name}");

    /// <summary>Makes clients reach broker <paramref name="brokerId"/> at this address (metadata only; it listens where it did).</summary>
    public void Advertise(int brokerId, string host, int port) =>
        Check(LibRdKafka.rd_kafka_mock_broker_set_host_port(Cluster, brokerId, host, port), $"advertise broker {brokerId}");

    /// <summary>Closes the broker's connections and refuses new ones until <see cref="SetUp"/>.</summary>
    public void SetDown(int brokerId) => Check(LibRdKafka.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"set broker {brokerId} down");

    public void SetUp(int brokerId) => Check(LibRdKafka.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"set broker {brokerId} up");

    public void SetRoundTrip(int brokerId, int milliseconds) =>
        Check(LibRdKafka.rd_kafka_mock_broker_set_rtt(Cluster, brokerId, milliseconds), $"set broker {brokerId} round trip");

    /// <summary>The next requests of <paramref name="apiKey"/> (any broker) fail with these Kafka error codes, in order.</summary>
    public void PushRequestErrors(KafkaApi apiKey, IReadOnlyList<int> errorCodes)
    {
        ArgumentNullException.ThrowIfNull(errorCodes);
        LibRdKafka.rd_kafka_mock_push_request_errors_array(Cluster, (short)apiKey, (nuint)errorCodes.Count, [.. errorCodes]);
    }

    public void ClearRequestErrors(KafkaApi apiKey) => LibRdKafka.rd_kafka_mock_clear_request_errors(Cluster, (short)apiKey);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != 0)
            {
                LibRdKafka.rd_kafka_mock_cluster_destroy(_cluster);
                _cluster = 0;
            }

            if (_handle != 0)
            {
                LibRdKafka.rd_kafka_destroy(_handle);
                _handle = 0;
            }
        }
    }

    private nint Cluster => _cluster != 0 ? _cluster : throw new ObjectDisposedException(nameof(MockCluster));

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            var name = Marshal.PtrToStringUTF8(LibRdKafka.rd_kafka_err2name(error));
            throw new InvalidOperationException($"could not {what}: {name} ({error})");
        }
    }

    private static List<int> ParsePorts(string bootstraps) =>
        [.. bootstraps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(address => int.Parse(address[(address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))];

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }
}

/// <summary>The Kafka request types faults can be injected into.</summary>
public enum KafkaApi : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    InitProducerId = 22,
}
