using Grpc.Core;
using Mesh.Agents.Runs.Engine;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.V1;

namespace Mesh.Agents.Runs.Api;

public sealed partial class AgentsService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Streams the run's stored events after <paramref name="fromSequence"/>, then new ones as
    /// they are committed (told by the hub when this replica runs it, polled otherwise) with
    /// live tokens in between, until the run has ended and its last event is sent.
    /// </summary>
    private async Task WatchAsync(RunRecord run, int fromSequence, IServerStreamWriter<RunEvent> stream, CancellationToken cancellationToken)
    {
        using var subscription = hub.Subscribe(run.Id);
        var sent = fromSequence;
        long costAsked = 0;
        while (true)
        {
            var events = await store.ReadEventsAsync(run.Id, sent, 500, cancellationToken);
            var stepsCompleted = false;
            foreach (var stored in events)
            {
                var view = RunViews.Event(run.Id, stored);
                if (EventTypes.Ends(stored.Type))
                {
                    // The run's last event is the stream's last: the cost so far goes before it.
                    costAsked = await WriteCostSoFarAsync(run, sent, costAsked, stream, cancellationToken);

                    if (view.Completed is { } completed)
                    {
                        completed.Steps = (await store.GetRunAsync(run.Id, cancellationToken))?.StepsDone ?? 0;
                    }
                }

                await stream.WriteAsync(view, cancellationToken);
                sent = stored.Seq;
                stepsCompleted |= stored.Type == EventTypes.StepCompleted;
            }

            if (events.Count == 500)
            {
                continue;
            }

            if (stepsCompleted)
            {
                costAsked = await WriteCostSoFarAsync(run, sent, costAsked, stream, cancellationToken);
            }

            var current = await store.GetRunAsync(run.Id, cancellationToken);
            if (current is null || current.IsFinished && current.LastSeq <= sent)
            {
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(Poll);
            try
            {
                while (await subscription.Reader.WaitToReadAsync(wait.Token))
                {
                    if (!subscription.Reader.TryRead(out var item))
                    {
                        continue;
                    }

                    if (item is null)
                    {
                        break;
                    }

                    await stream.WriteAsync(item, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Poll the store: another replica may be running the run.
            }
        }
    }

    /// <summary>A live event with the run's cost so far from telemetry's ledger, at most once a second; returns when it last asked.</summary>
    private async Task<long> WriteCostSoFarAsync(RunRecord run, int sequence, long lastAsked, IServerStreamWriter<RunEvent> stream, CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(lastAsked) <= TimeSpan.FromSeconds(1))
        {
            return lastAsked;
        }

        var asked = time.GetTimestamp();
        var cost = await costs.ForAsync(run.Id, DateTimeOffset.FromUnixTimeMilliseconds(run.CreatedAt), cancellationToken);
        if (cost.CostUsd.Length > 0)
        {
            await stream.WriteAsync(new RunEvent
            {
                RunId = run.Id,
                Sequence = sequence,
                At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                Live = true,
                Cost = new CostSoFar { CostUsd = cost.CostUsd, InputTokens = cost.InputTokens, OutputTokens = cost.OutputTokens, ToolCalls = cost.ToolCalls },
            }, cancellationToken);
        }

        return asked;
    }
}
