using Confluent.Kafka;

namespace Mesh.Telemetry.Ingest.Kafka;

public sealed partial class KafkaUsageIngestor
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Ingesting usage from Kafka topic {Topic} as group {GroupId}")]
    private static partial void LogStarted(ILogger logger, string topic, string groupId);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Kafka consumer: {Code} {Reason}")]
    private static partial void LogKafkaError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 46, Level = LogLevel.Information, Message = "Assigned {Count} usage partitions")]
    private static partial void LogAssigned(ILogger logger, int count);

    [LoggerMessage(EventId = 47, Level = LogLevel.Information, Message = "Gave up {Count} usage partitions; records read but not stored are left to their next owner")]
    private static partial void LogRevoked(ILogger logger, int count);

    [LoggerMessage(EventId = 48, Level = LogLevel.Critical, Message = "Kafka consumer failed fatally: {Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);
}
