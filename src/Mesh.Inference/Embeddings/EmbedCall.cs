using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Embeddings;

/// <summary>
/// One Embed call while its inputs are queued and run: each input is a <see cref="EmbedRow"/>
/// the batcher may put in a different model run; the call completes when its last row does.
/// </summary>
public sealed class EmbedCall
{
    private readonly TaskCompletionSource<EmbeddingBatch> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly float[][] _vectors;
    private readonly int _truncated;
    private readonly long _enqueuedAt;
    private readonly TimeProvider _time;
    private int _remaining;
    private int _maxBatch;
    private double _computeMs;
    private long _firstStart;
    private volatile bool _abandoned;

    public EmbedCall(IReadOnlyList<long[]> rows, int truncated, string tenant, WorkPriority priority, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _enqueuedAt = time.GetTimestamp();
        _vectors = new float[rows.Count][];
        _truncated = truncated;
        _remaining = rows.Count;
        Rows = [.. rows.Select((ids, i) => new EmbedRow(this, i, ids, tenant, priority, _enqueuedAt))];
    }

    public IReadOnlyList<EmbedRow> Rows { get; }

    public Task<EmbeddingBatch> Task => _completion.Task;

    public bool IsAbandoned => _abandoned;

    /// <summary>The caller left: rows not yet run are dropped from the queue.</summary>
    public void Abandon(CancellationToken cancellationToken)
    {
        _abandoned = true;
        _completion.TrySetCanceled(cancellationToken);
    }

    internal void Started(long timestamp) => Interlocked.CompareExchange(ref _firstStart, timestamp, 0);

    /// <summary>A row's vector, with its share of the run's device time and the run's size.</summary>
    internal void Complete(EmbedRow row, float[] vector, double computeShareMs, int batchSize)
    {
        _vectors[row.Index] = vector;
        lock (_vectors)
        {
            _computeMs += computeShareMs;
            _maxBatch = Math.Max(_maxBatch, batchSize);
        }

        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            var counts = Rows.Select(r => r.Ids.Length).ToArray();
            _completion.TrySetResult(new EmbeddingBatch(_vectors, counts, _truncated, TimeSpan.FromMilliseconds(_computeMs))
            {
                BatchSize = _maxBatch,
                QueueTime = _time.GetElapsedTime(_enqueuedAt, Interlocked.Read(ref _firstStart)),
            });
        }
    }

    internal void Fail(Exception exception) => _completion.TrySetException(exception);
}

/// <summary>One input of an Embed call, as the fair queue and the batcher see it.</summary>
public sealed class EmbedRow(EmbedCall call, int index, long[] ids, string tenant, WorkPriority priority, long enqueuedAt) : IScheduledWork
{
    public EmbedCall Call { get; } = call;

    public int Index { get; } = index;

    public long[] Ids { get; } = ids;

    public string Tenant { get; } = tenant;

    public WorkPriority Priority { get; } = priority;

    public double Cost => Ids.Length;

    public bool IsAbandoned => Call.IsAbandoned;

    public long EnqueuedAt { get; } = enqueuedAt;
}
