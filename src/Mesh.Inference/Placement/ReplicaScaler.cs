using System.Collections.Concurrent;
using Mesh.Inference.Models;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Placement;

/// <summary>
/// Samples each loaded model's queue every scale interval (the default expected load follows
/// these samples) and adds or retires replicas within the model's minReplicas and maxReplicas
/// (<see cref="ReplicaScaling"/>). A replica that finds no room is simply not added this time.
/// </summary>
public sealed partial class ReplicaScaler(
    ModelCatalog catalog, ModelReplicas replicas, ReplicaPlacer placer, RecentQueueDepth depth, IOptions<PlacementOptions> options, TimeProvider time,
    ILogger<ReplicaScaler> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, long> _lastBusy = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ScaleInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One look at every loaded model.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        foreach (var (model, all) in replicas.All())
        {
            if (catalog.Find(model) is not { Upstream: null } descriptor)
            {
                continue;
            }

            var active = all.Where(r => !r.IsDraining).ToList();
            var waiting = active.Sum(r => r.Served.Queued + r.Served.Running);
            var recent = depth.Observe(model, waiting);
            var now = time.GetTimestamp();
            if (waiting > 0 || !_lastBusy.TryGetValue(model, out var busy))
            {
                _lastBusy[model] = busy = now;
            }

            var decision = ReplicaScaling.Decide(descriptor.MinReplicas, descriptor.MaxReplicas, active.Count, recent, waiting, time.GetElapsedTime(busy, now), options.Value);
            try
            {
                if (decision > 0)
                {
                    var added = await placer.AddAsync(descriptor, cancellationToken);
                    LogScaled(logger, model, "up", added.Device?.Name ?? "", active.Count + 1, recent);
                }
                else if (decision < 0 && active.Count > 1)
                {
                    var newest = active[^1];
                    await placer.RetireAsync(model, newest, cancellationToken);
                    _lastBusy[model] = now;
                    LogScaled(logger, model, "down", newest.Device?.Name ?? "", active.Count - 1, recent);
                }
            }
            catch (PlacementException ex)
            {
                LogNoRoom(logger, model, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogScaleFailed(logger, model, ex);
            }
        }
    }

    [LoggerMessage(EventId = 64, Level = LogLevel.Information, Message = "Model {Model} scaled {Direction} ({Device}): {Replicas} replicas, recent queue depth {Depth:F1}")]
    private static partial void LogScaled(ILogger logger, string model, string direction, string device, int replicas, double depth);

    [LoggerMessage(EventId = 66, Level = LogLevel.Warning, Message = "Model {Model}: adding or retiring a replica failed")]
    private static partial void LogScaleFailed(ILogger logger, string model, Exception exception);

    [LoggerMessage(EventId = 65, Level = LogLevel.Debug, Message = "Model {Model} could use another replica but none fits: {Reason}")]
    private static partial void LogNoRoom(ILogger logger, string model, string reason);
}
