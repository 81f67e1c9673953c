using Mesh.Agents.V1;
using Mesh.Metering;
using Mesh.ServiceDefaults.Calls;
using Mesh.Usage.V1;

namespace Mesh.Agents.Runs;

/// <summary>What a step produced: its result, a line for people, and the tokens it used.</summary>
public sealed record StepOutcome<T>(T Result, string Summary, long Tokens = 0);

/// <summary>
/// Runs one step of a run: reserves the step's price, enters the step's call scope (so
/// downstream calls and their usage carry the run and step ids), meters the step as a usage
/// event that settles the reservation, and streams its completion.
/// </summary>
public sealed class StepRunner(UsageRecorder usage, StepBudget budget, TimeProvider time)
{
    public async Task<T> RunAsync<T>(IAgent agent, RunStream run, string kind, string name, Func<CancellationToken, Task<StepOutcome<T>>> step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(step);
        var stepId = run.NextStepId(kind);
        using var scope = CallScope.EnterStep(agent.Name, run.RunId, stepId);
        var (reservationId, reservedUsd) = await budget.ReserveAsync(agent, cancellationToken);
        var started = time.GetTimestamp();
        var usageEvent = usage.Start(UsageKind.WorkflowStep, agent.Name, agent.Version);
        usageEvent.ReservationId = reservationId;
        usageEvent.ReservedUsd = reservedUsd;
        usageEvent.Attributes["step.kind"] = kind;
        usageEvent.Attributes["step.name"] = name;
        var recorded = false;
        try
        {
            var outcome = await step(cancellationToken);
            var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
            usageEvent.ComputeMs = usageEvent.TotalMs = elapsed;
            await usage.RecordAsync(usageEvent, cancellationToken);
            recorded = true;
            await run.WriteAsync(new RunEvent
            {
                Step = new StepCompleted { StepId = stepId, Kind = kind, Name = name, Summary = outcome.Summary, DurationMs = elapsed, Tokens = outcome.Tokens },
            }, cancellationToken);
            return outcome.Result;
        }
        catch (Exception ex) when (!recorded)
        {
            // A step that ran is metered once as it ran, even if telling the caller fails after.
            usageEvent.ComputeMs = usageEvent.TotalMs = time.GetElapsedTime(started).TotalMilliseconds;
            usageEvent.Status = ex is OperationCanceledException ? UsageStatus.Cancelled : UsageStatus.Error;
            usageEvent.Attributes["error"] = ex.Message;
            await usage.RecordAsync(usageEvent, CancellationToken.None);
            throw;
        }
    }
}
