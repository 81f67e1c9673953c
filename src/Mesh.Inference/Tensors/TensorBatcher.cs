using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Tensors;

/// <summary>
/// Dynamic batching for a generic model: calls taken in fair order are grouped by their
/// non-batch shapes, each group stacked along the first dimension into one run (when the
/// model allows it) and the outputs split back per call.
/// </summary>
public sealed class TensorBatcher(TensorModel model, DeviceScheduler device, SchedulingOptions options, TimeProvider time)
    : BatchWorker<TensorCall>(model.Descriptor, device, options, time)
{
    public TensorModel Model { get; } = model;

    public async Task<TensorResult> InferAsync(IReadOnlyList<NamedTensor> inputs, string tenant, WorkPriority priority, CancellationToken cancellationToken)
    {
        Model.Validate(inputs);
        var call = new TensorCall(inputs, tenant, priority, Time.GetTimestamp());
        if (TryRunInline([call]))
        {
            return await call.Task;
        }

        Queue.Enqueue([call]);
        await using var registration = cancellationToken.Register(() =>
        {
            call.Abandon(cancellationToken);
            Queue.Wake();
        });
        return await call.Task;
    }

    protected override void Run(List<TensorCall> batch)
    {
        var groups = Model.Batchable ? batch.GroupBy(c => c.BatchKey).Select(g => g.ToList()) : batch.Select(c => new List<TensorCall> { c });
        foreach (var group in groups)
        {
            var live = group.Where(c => !c.IsAbandoned).ToList();
            if (live.Count == 0)
            {
                continue;
            }

            var started = Time.GetTimestamp();
            try
            {
                var outputs = Model.Run(live.Count == 1 ? live[0].Inputs : TensorStacking.Stack(live));
                var elapsed = Time.GetElapsedTime(started);
                var rows = live.Select(c => live.Count == 1 ? 0L : c.Inputs[0].Shape[0]).ToList();
                var parts = live.Count == 1 ? [[.. outputs]] : TensorStacking.Split(outputs, rows);
                for (var i = 0; i < live.Count; i++)
                {
                    live[i].Complete(new TensorResult(parts[i], live.Count, Time.GetElapsedTime(live[i].EnqueuedAt, started), TimeSpan.FromMilliseconds(Device.DeviceMs(elapsed) / live.Count)));
                }

                Queue.Observe(live.Count, elapsed);
            }
            catch (Exception ex)
            {
                live.ForEach(c => c.Fail(ex));
            }
        }
    }

    protected override void Fail(TensorCall item, Exception exception) => item.Fail(exception);
}
