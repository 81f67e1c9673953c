using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.AppHost.Tests;

/// <summary>
/// Builds, starts and stops a mesh under a deadline at every step, so a step that hangs fails the
/// test instead of holding the whole run. A start that does not finish in time fails with what
/// every resource was doing: its state, health, exit code and last log lines, since Aspire's own
/// start only says that it was cancelled.
/// </summary>
internal static class MeshStartup
{
    /// <summary>
    /// Creates the AppHost's builder (its Program runs here, distributed mode's initdb included),
    /// lets <paramref name="configure"/> adjust it, and builds the application, all within
    /// <paramref name="timeout"/>: a step that ignores its token still ends at the deadline.
    /// </summary>
    public static async Task<DistributedApplication> BuildAsync(
        string[] args,
        Action<IDistributedApplicationTestingBuilder> configure,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(args, cancellationToken)
                .WaitAsync(Remaining(timeout, clock), cancellationToken);
            configure(builder);
            return await builder.BuildAsync(cancellationToken).WaitAsync(Remaining(timeout, clock), cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The AppHost did not build the mesh in {timeout.TotalSeconds:0} s (its Program runs in this step; in distributed mode that includes initdb).");
        }
    }

    /// <summary>
    /// Exact costs in the assertions: telemetry prices embeddings by tokens only, not device time,
    /// and keeps its embedded store at <paramref name="duckDbPath"/>.
    /// </summary>
    public static void PriceEmbeddingsByTokens(IDistributedApplicationTestingBuilder builder, string duckDbPath)
    {
        var telemetry = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "telemetry");
        builder.CreateResourceBuilder(telemetry)
            .WithEnvironment("Mesh__Pricing__Lists__2026-11-01__Resources__all-MiniLM-L6-v2__PerComputeSecond", "0")
            .WithEnvironment("Mesh__Pricing__Lists__2026-12-06__Resources__all-MiniLM-L6-v2__PerComputeSecond", "0")
            .WithEnvironment("Mesh__Telemetry__DuckDbPath", duckDbPath);
    }

    public static async Task StartAsync(
        DistributedApplication app,
        IEnumerable<string> services,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Func<string>? moreDiagnostics = null)
    {
        using var watch = new ResourceWatch(app);
        var clock = Stopwatch.StartNew();
        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startup.CancelAfter(timeout);
        try
        {
            await app.StartAsync(startup.Token).WaitAsync(Remaining(timeout, clock), cancellationToken);
            foreach (var service in services)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(service, startup.Token).WaitAsync(Remaining(timeout, clock), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && startup.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            throw new TimeoutException($"The mesh did not start in {timeout.TotalSeconds:0} s. Its resources:\n{watch.Describe()}{moreDiagnostics?.Invoke()}");
        }
    }

    /// <summary>
    /// Stops the application, waiting at most <paramref name="timeout"/>; a stop that takes longer
    /// fails with that rather than holding the test run.
    /// </summary>
    public static async Task StopAsync(DistributedApplication app, TimeSpan timeout)
    {
        try
        {
            await app.DisposeAsync().AsTask().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The mesh did not stop in {timeout.TotalSeconds:0} s.");
        }
    }

    private static TimeSpan Remaining(TimeSpan timeout, Stopwatch clock) =>
        timeout > clock.Elapsed ? timeout - clock.Elapsed : TimeSpan.Zero;

    /// <summary>The latest snapshot and the last log lines of every resource instance.</summary>
    private sealed class ResourceWatch : IDisposable
    {
        private const int LinesKept = 15;
        private readonly ConcurrentDictionary<string, ResourceEvent> _latest = new();
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _logs = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly ResourceLoggerService _loggers;

        public ResourceWatch(DistributedApplication app)
        {
            _loggers = app.Services.GetRequiredService<ResourceLoggerService>();
            _ = WatchStatesAsync(app.ResourceNotifications);
        }

        public string Describe()
        {
            var text = new StringBuilder();
            foreach (var (id, latest) in _latest.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var snapshot = latest.Snapshot;
                text.Append(CultureInfo.InvariantCulture, $"- {id}: {snapshot.State?.Text ?? "no state"}, health {snapshot.HealthStatus?.ToString() ?? "unknown"}");
                text.AppendLine(snapshot.ExitCode is { } exit ? $", exit code {exit}" : string.Empty);
                if (snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy && _logs.TryGetValue(id, out var lines))
                {
                    foreach (var line in lines)
                    {
                        text.Append("    | ").AppendLine(line);
                    }
                }
            }

            return text.ToString();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        private async Task WatchStatesAsync(ResourceNotificationService notifications)
        {
            try
            {
                await foreach (var change in notifications.WatchAsync(_stop.Token))
                {
                    _latest[change.ResourceId] = change;
                    if (_logs.TryAdd(change.ResourceId, new ConcurrentQueue<string>()))
                    {
                        _ = WatchLogsAsync(change.ResourceId, _logs[change.ResourceId]);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Startup is over.
            }
        }

        private async Task WatchLogsAsync(string resourceId, ConcurrentQueue<string> lines)
        {
            try
            {
                await foreach (var batch in _loggers.WatchAsync(resourceId).WithCancellation(_stop.Token))
                {
                    foreach (var line in batch)
                    {
                        lines.Enqueue(line.Content);
                        while (lines.Count > LinesKept && lines.TryDequeue(out _))
                        {
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Startup is over.
            }
        }
    }
}
