using Mesh.Metering;
using Mesh.Telemetry.Settlement;
using Mesh.Telemetry.Storage;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Ingest;

/// <summary>Validates, prices and stores batches of usage events, whoever delivers them.</summary>
public sealed partial class UsageIngestor(UsageEventConverter converter, IUsageStore store, UsageSettler settler, ILogger<UsageIngestor> logger)
{
    public async Task<UsageDelivery> IngestAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var records = new List<UsageRecord>(events.Count);
        var rejected = new List<(string EventId, string Reason)>();
        foreach (var usageEvent in events)
        {
            if (converter.TryConvert(usageEvent, out var record, out var reason))
            {
                records.Add(record!);
            }
            else
            {
                rejected.Add((usageEvent.EventId, reason));
            }
        }

        var result = records.Count == 0 ? new InsertResult(0, 0) : await store.InsertAsync(records, cancellationToken);
        await settler.SettleAsync(records, cancellationToken);
        if (rejected.Count > 0)
        {
            LogRejected(logger, rejected.Count, events.Count, rejected[0].Reason);
        }

        LogIngested(logger, result.Stored, result.Duplicates);
        return new UsageDelivery(result.Stored, result.Duplicates, rejected);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Stored {Stored} usage events ({Duplicates} already stored)")]
    private static partial void LogIngested(ILogger logger, int stored, int duplicates);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Rejected {Rejected} of {Count} usage events; first reason: {Reason}")]
    private static partial void LogRejected(ILogger logger, int rejected, int count, string reason);
}
