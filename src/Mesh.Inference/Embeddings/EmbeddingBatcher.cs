using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Embeddings;

/// <summary>
/// Dynamic batching of Embed calls: inputs of concurrent calls (from any tenant) are queued
/// fairly, taken up to the model's max batch, grouped by length (<see cref="LengthBuckets"/>)
/// and embedded in as few model runs as that allows. Each input's vector is what an unbatched
/// run gives: padding is masked out of attention and pooling.
/// </summary>
public sealed class EmbeddingBatcher(EmbeddingModel model, DeviceScheduler device, SchedulingOptions options, TimeProvider time)
    : BatchWorker<EmbedRow>(model.Descriptor, device, options, time)
{
    public EmbeddingModel Model { get; } = model;

    /// <summary>Tokenizes, queues and waits for the vectors of <paramref name="inputs"/>.</summary>
    public async Task<EmbeddingBatch> EmbedAsync(IReadOnlyList<string> inputs, string tenant, WorkPriority priority, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var truncated = 0;
        var rows = new long[inputs.Count][];
        for (var i = 0; i < inputs.Count; i++)
        {
            rows[i] = Model.Tokenize(inputs[i], out var cut);
            truncated += cut ? 1 : 0;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var call = new EmbedCall(rows, truncated, tenant, priority, Time);
        if (TryRunInline([.. call.Rows]))
        {
            return await call.Task;
        }

        Queue.Enqueue(call.Rows);
        await using var registration = cancellationToken.Register(() =>
        {
            call.Abandon(cancellationToken);
            Queue.Wake();
        });
        return await call.Task;
    }

    protected override void Run(List<EmbedRow> batch)
    {
        foreach (var bucket in LengthBuckets.Split(batch, r => r.Ids.Length))
        {
            // Rows whose caller left while queued are not run: no work is wasted on them.
            var live = bucket.Where(r => !r.IsAbandoned).ToList();
            if (live.Count == 0)
            {
                continue;
            }

            var started = Time.GetTimestamp();
            foreach (var row in live)
            {
                row.Call.Started(started);
            }

            try
            {
                var (vectors, compute) = Model.RunRows([.. live.Select(r => r.Ids)], CancellationToken.None);
                double tokens = live.Sum(r => r.Ids.Length);
                var deviceMs = Device.DeviceMs(compute);
                for (var i = 0; i < live.Count; i++)
                {
                    live[i].Call.Complete(live[i], vectors[i], deviceMs * live[i].Ids.Length / tokens, live.Count);
                }

                Queue.Observe(tokens, Time.GetElapsedTime(started));
            }
            catch (Exception ex)
            {
                foreach (var row in live)
                {
                    row.Call.Fail(ex);
                }
            }
        }
    }

    protected override void Fail(EmbedRow item, Exception exception) => item.Call.Fail(exception);
}
