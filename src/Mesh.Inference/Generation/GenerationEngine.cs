using Mesh.Inference.Embeddings;
using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Generation;

/// <summary>
/// Continuous (iteration-level) batching for one decoder. Each iteration drops sequences whose
/// caller left (their slot and cache are free at once), admits waiting ones in priority and
/// fair order up to the model's max batch, prefills the newcomers (prompts grouped by length),
/// then runs one decode step for every running sequence and streams each its token. Sequences
/// leave the batch the moment they finish, so short requests never wait for long ones.
/// </summary>
public sealed class GenerationEngine : IDisposable
{
    private readonly DecoderModel _model;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<GenerationSequence> _running = [];
    private readonly Thread _thread;
    private readonly Lock _stopLock = new();
    private Exception? _stopReason;
    private int _runningCount;
    private int _disposed;

    public GenerationEngine(DecoderModel model, SchedulingOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _time = time;
        Queue = new WorkQueue<GenerationSequence>(model.Descriptor.Name, model.Descriptor.MaxQueue, options);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"generate {model.Descriptor.Name}" };
    }

    public WorkQueue<GenerationSequence> Queue { get; }

    /// <summary>Sequences in the running batch now.</summary>
    public int Running => Volatile.Read(ref _runningCount);

    /// <summary>Called after each step with the batch size and the step's duration (metrics).</summary>
    public Action<int, TimeSpan>? StepObserver { get; init; }

    public void Start() => _thread.Start();

    /// <summary>Queues a sequence (throws ResourceExhausted when full); the caller reads its chunks.</summary>
    public void Submit(GenerationSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        Queue.Enqueue([sequence]);
    }

    /// <summary>Marks a sequence abandoned and wakes the loop so its slot frees at once.</summary>
    public void Cancel(GenerationSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        sequence.Abandon();
        Queue.Wake();
    }

    public void Stop(Exception reason)
    {
        lock (_stopLock)
        {
            _stopReason ??= reason;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _stop.Cancel();
        foreach (var waiting in Queue.Take(int.MaxValue))
        {
            waiting.Fail(reason);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        _stop.Dispose();
        Queue.Dispose();
    }

    private void Loop()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (_running.Count == 0)
                {
                    Queue.Wait(Timeout.InfiniteTimeSpan, token);
                }

                Iterate();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }

        foreach (var sequence in _running)
        {
            sequence.Fail(_stopReason ?? new OperationCanceledException("the engine stopped"));
        }

        _running.Clear();
    }

    private void Iterate()
    {
        foreach (var gone in _running.Where(s => s.IsAbandoned).ToList())
        {
            gone.Release();
            _running.Remove(gone);
        }

        var admitted = Queue.Take(_model.Descriptor.MaxBatch - _running.Count);
        foreach (var sequence in admitted)
        {
            var capacity = Math.Min(_model.MaxContext, sequence.Spec.PromptTokens.Length + sequence.Spec.MaxTokens);
            sequence.Admit(_model.NewCache(capacity), _time.GetElapsedTime(sequence.EnqueuedAt));
        }

        foreach (var group in LengthBuckets.Split(admitted, s => s.Spec.PromptTokens.Length))
        {
            Step(group, [.. group.Select(s => new DecoderRow(s.Cache!, s.Spec.PromptTokens))]);
            _running.AddRange(group.Where(s => !s.IsFinished));
        }

        var decoding = _running.Where(s => !s.IsFinished && !s.IsAbandoned).ToList();
        if (decoding.Count > 0)
        {
            Step(decoding, [.. decoding.Select(s => new DecoderRow(s.Cache!, [s.NextInput]))]);
        }

        _running.RemoveAll(s => s.IsFinished);
        Volatile.Write(ref _runningCount, _running.Count);
    }

    private void Step(List<GenerationSequence> batch, DecoderRow[] rows)
    {
        var started = _time.GetTimestamp();
        var tokens = new int[batch.Count];
        try
        {
            _model.Forward(rows, (row, logits) => tokens[row] = batch[row].Choose(logits));
        }
        catch (Exception ex)
        {
            foreach (var sequence in batch)
            {
                sequence.Fail(ex);
            }

            return;
        }

        var elapsed = _time.GetElapsedTime(started);
        var share = elapsed.TotalMilliseconds / batch.Count;
        for (var i = 0; i < batch.Count; i++)
        {
            var sequence = batch[i];
            sequence.ComputeMs += share;
            sequence.MaxBatchSize = Math.Max(sequence.MaxBatchSize, batch.Count);
            sequence.Accept(tokens[i], _model.EndOfText);
        }

        Queue.Observe(batch.Count, elapsed);
        StepObserver?.Invoke(batch.Count, elapsed);
    }
}
