using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Mesh.Metering.Kafka;

/// <summary>Routes librdkafka's own log lines (otherwise printed to stderr) to an <see cref="ILogger"/>.</summary>
public static partial class KafkaLog
{
    public static void Write(ILogger logger, LogMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        LogLibrdkafka(logger, level, message.Name, message.Facility, message.Message);
    }

    [LoggerMessage(EventId = 120, Message = "librdkafka {Client} {Facility}: {Text}")]
    private static partial void LogLibrdkafka(ILogger logger, LogLevel level, string client, string facility, string text);
}
