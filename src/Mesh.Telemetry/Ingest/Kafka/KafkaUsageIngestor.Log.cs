using Confluent.Kafka;

namespace Mesh.Telemetry.Ingest.Kafka;

public sealed partial class KafkaUsageIngestor
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Ingesting usage from Kafka topic {Topic} as group {GroupId}")]
    private static partial void LogStarted(ILogger logger, string topic, string groupId);

    [LoggerMessage(EventId = 41, Level = LogLevel.Debug, Message = "Stored {Stored} usage events from Kafka ({Duplicates} already stored)")]
    private static partial void LogStored(ILogger logger, int stored, int duplicates);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Sent {Count} usage records to the dead-letter topic; first reason: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Could not write {Count} usage records to {Target} (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    private static partial void LogRetry(ILogger logger, int count, string target, int attempt, double delayMs, string reason);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Committing offsets of {Count} partitions failed ({Code}: {Reason}); they go with the next commit")]
    private static partial void LogCommitFailed(ILogger logger, int count, ErrorCode code, string reason);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Kafka consumer: {Code} {Reason}")]
    private static partial void LogKafkaError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 46, Level = LogLevel.Information, Message = "Assigned {Count} usage partitions")]
    private static partial void LogAssigned(ILogger logger, int count);

    [LoggerMessage(EventId = 47, Level = LogLevel.Information, Message = "Gave up {Count} usage partitions; records read but not stored are left to their next owner")]
    private static partial void LogRevoked(ILogger logger, int count);

    [LoggerMessage(EventId = 48, Level = LogLevel.Critical, Message = "Kafka consumer failed fatally: {Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);
}
