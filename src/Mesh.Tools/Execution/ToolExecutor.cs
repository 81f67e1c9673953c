using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mesh.Metering.Calls;
using Mesh.Metering.Estimates;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Instrumentation;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using Mesh.ServiceDefaults.Json;

namespace Mesh.Tools.Execution;

/// <summary>
/// Runs one validated tool call within the tool's timeout and the caller's deadline, and
/// accounts for it: its measures on the call's usage event, one duration measurement and one
/// span per call.
/// </summary>
public sealed partial class ToolExecutor(GenAiMetrics metrics, ComputeEstimator estimates, TimeProvider time, ILogger<ToolExecutor> logger)
{
    public const string Operation = "execute_tool";

    /// <summary>Where tools run, for compute estimates: this process's CPU.</summary>
    public const string Device = "cpu";

    /// <summary>The device of a sandboxed run's usage event: CPU, in a sandbox.</summary>
    public const string SandboxDevice = "cpu:sandbox";

    private static readonly TimeSpan SandboxBackstop = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="tool"/> on validated <paramref name="arguments"/>.</summary>
    public async Task<ToolOutcome> ExecuteAsync(RegisteredTool tool, JsonElement arguments, CancellationToken callCancelled)
    {
        var scope = CallScope.Current;
        var run = new ToolRun(scope?.Caller.TenantId ?? "", scope?.RunId ?? "");
        using var entered = ToolRun.Enter(run);
        ArgumentNullException.ThrowIfNull(tool);
        var descriptor = tool.Descriptor;
        using var activity = metrics.ActivitySource.StartActivity($"{Operation} {descriptor.Name}", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", Operation);
        activity?.SetTag("gen_ai.tool.name", descriptor.Name);
        activity?.SetTag("gen_ai.tool.type", "function");
        activity?.SetTag("mesh.tool.version", descriptor.Version);

        // Outside a metered call (a direct use of the executor) the measures go nowhere.
        var usageEvent = UsageScope.Current?.Event ?? new UsageEvent();
        UsageScope.Current?.SetResource(descriptor.Name, descriptor.Version);
        if (descriptor.BilledAs != descriptor.Name)
        {
            usageEvent.Attributes[PriceCatalog.PriceClassAttribute] = descriptor.BilledAs;
        }

        var computeStart = time.GetTimestamp();
        string? error = null;
        // A sandbox enforces its tool's wall clock itself (and kills what runs); this bound is its backstop.
        using var timeout = new CancellationTokenSource(descriptor.Limits is null ? descriptor.Timeout : descriptor.Timeout + SandboxBackstop, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, timeout.Token);
        try
        {
            // WaitAsync also frees the call from a tool that ignores its token.
            var result = await tool.Tool.ExecuteAsync(arguments, linked.Token).AsTask().WaitAsync(linked.Token);
            return new ToolOutcome(JsonText.Of(result), time.GetElapsedTime(computeStart), run.Stats);
        }
        catch (ToolArgumentException ex)
        {
            error = "invalid_argument";
            usageEvent.Attributes["error"] = ex.Message;
            throw MeshErrors.InvalidArgument(Validation.ArgumentValidator.Field + ex.Pointer, ex.Message);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !callCancelled.IsCancellationRequested)
        {
            error = "timeout";
            usageEvent.Attributes["error"] = $"timeout after {descriptor.Timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms";
            LogTimeout(logger, descriptor.Name, descriptor.Version, descriptor.Timeout.TotalMilliseconds);
            throw MeshErrors.DeadlineExceeded(
                $"tool '{descriptor.Name}' exceeded its {descriptor.Timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms timeout; simplify the arguments or split the work");
        }
        catch (OperationCanceledException) when (callCancelled.IsCancellationRequested)
        {
            error = "cancelled";
            usageEvent.Status = UsageStatus.Cancelled;
            throw;
        }
        catch (Exception ex)
        {
            error = ex.GetType().Name;
            usageEvent.Attributes["error"] = ex.GetType().Name;
            throw;
        }
        finally
        {
            var computed = time.GetElapsedTime(computeStart);
            // A sandboxed process is billed by the CPU time it used, not by the wall clock.
            usageEvent.ComputeMs = run.Stats?.CpuMs ?? computed.TotalMilliseconds;
            if (run.Stats is { } stats)
            {
                Describe(usageEvent, stats, computed);
            }

            if (error is null)
            {
                estimates.Observe(descriptor.Name, descriptor.Version, Device, 1, computed.TotalMilliseconds);
            }
            if (error is not null && usageEvent.Status == UsageStatus.Ok)
            {
                usageEvent.Status = UsageStatus.Error;
            }

            if (error is not null)
            {
                usageEvent.Attributes["error.type"] = error;
            }

            metrics.RecordDuration(Operation, descriptor.Name, computed, error);
            if (error is not null)
            {
                activity?.SetTag("error.type", error);
                activity?.SetStatus(ActivityStatusCode.Error, error);
            }
        }
    }

    /// <summary>What a sandboxed run used, on its usage event.</summary>
    private static void Describe(UsageEvent usageEvent, ToolRunStats stats, TimeSpan wall)
    {
        usageEvent.Device = SandboxDevice;
        usageEvent.Attributes["exit_code"] = stats.ExitCode.ToString(CultureInfo.InvariantCulture);
        usageEvent.Attributes["cpu_ms"] = stats.CpuMs.ToString("0.###", CultureInfo.InvariantCulture);
        usageEvent.Attributes["peak_memory_bytes"] = stats.PeakMemoryBytes.ToString(CultureInfo.InvariantCulture);
        usageEvent.Attributes["wall_ms"] = wall.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
        if (stats.KilledBy.Length > 0)
        {
            usageEvent.Attributes["killed_by"] = stats.KilledBy;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Tool {Tool} {Version} exceeded its {TimeoutMs} ms timeout")]
    private static partial void LogTimeout(ILogger logger, string tool, string version, double timeoutMs);
}

/// <summary>What a successful tool call produced; <paramref name="Stats"/> for sandboxed runs.</summary>
public sealed record ToolOutcome(string ResultJson, TimeSpan Duration, ToolRunStats? Stats = null);
