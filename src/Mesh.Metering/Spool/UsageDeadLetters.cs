using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Metering.Spool;

/// <summary>
/// Usage events no sink will take (refused as malformed, or too large for any batch) are parked
/// here with the reason, one JSON line each, so the rest of the usage flows on: never retried
/// forever, never dropped without a trace. <c>dead-letter.jsonl</c> in the service's spool folder.
/// </summary>
public sealed partial class UsageDeadLetters(IOptions<SpoolOptions> options, MeshServiceInfo service, TimeProvider time, ILogger<UsageDeadLetters> logger)
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private readonly Lock _lock = new();
    private long _parked;

    public string Path { get; } = System.IO.Path.Combine(options.Value.DirectoryFor(service.Name), "dead-letter.jsonl");

    /// <summary>Events parked since start.</summary>
    public long Parked => Interlocked.Read(ref _parked);

    public void Park(UsageEvent usageEvent, string reason)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        var line = JsonSerializer.Serialize(new DeadLetter(time.GetUtcNow(), reason, JsonDocument.Parse(Json.Format(usageEvent)).RootElement)) + "\n";
        lock (_lock)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            File.AppendAllText(Path, line, Encoding.UTF8);
        }

        Interlocked.Increment(ref _parked);
        LogParked(logger, usageEvent.EventId, reason, Path);
    }

    private sealed record DeadLetter(DateTimeOffset At, string Reason, JsonElement Event);

    [LoggerMessage(EventId = 130, Level = LogLevel.Error, Message = "Usage event {EventId} was refused and parked in {Path}: {Reason}")]
    private static partial void LogParked(ILogger logger, string eventId, string reason, string path);
}
