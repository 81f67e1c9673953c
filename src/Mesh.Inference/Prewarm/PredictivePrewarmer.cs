using Grpc.Core;
using Mesh.Inference.Models;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Prewarm;

/// <summary>
/// Loads the models telemetry forecasts to be busy within the lookahead, so the first calls of a
/// peak do not wait for a load. Models an admin unloaded stay unloaded; nothing is ever unloaded here.
/// </summary>
public sealed partial class PredictivePrewarmer(
    ICapacitySource capacity,
    ModelCatalog catalog,
    ModelHost models,
    IOptions<PrewarmOptions> options,
    TimeProvider time,
    ILogger<PredictivePrewarmer> logger) : BackgroundService
{
    /// <summary>Reads the capacity view once and loads what it calls busy; returns the models loaded now.</summary>
    public async Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var report = await capacity.ReadAsync(settings.LookaheadHours, settings.BusyCallsPerHour, cancellationToken);
        var loaded = new List<string>();
        foreach (var busy in report.Models.Where(m => m.Busy))
        {
            if (!catalog.TryFind(busy.Model, out var descriptor) || models.StateOf(descriptor).State != ModelState.Unloaded)
            {
                continue;
            }

            try
            {
                // GetAsync loads a model not loaded yet, and refuses one an admin unloaded.
                await models.GetAsync(descriptor, cancellationToken);
                loaded.Add(descriptor.Name);
                LogPrewarmed(logger, descriptor.Name, busy.ExpectedCalls, busy.PeakAt);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unavailable)
            {
                LogSkipped(logger, descriptor.Name, ex.Status.Detail);
            }
        }

        return loaded;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogUnavailable(logger, ex.Status.Detail);
            }
        }
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Pre-warmed model {Model}: {Calls:0.#} calls forecast in the hour from {PeakAt}")]
    private static partial void LogPrewarmed(ILogger logger, string model, double calls, Google.Protobuf.WellKnownTypes.Timestamp peakAt);

    [LoggerMessage(EventId = 81, Level = LogLevel.Debug, Message = "Did not pre-warm model {Model}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 82, Level = LogLevel.Warning, Message = "Telemetry's capacity view is unavailable ({Reason}); no model is pre-warmed this time")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
