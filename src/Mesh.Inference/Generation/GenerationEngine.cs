using Mesh.Inference.Embeddings;
using Mesh.Inference.KvBlocks;
using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Generation;

/// <summary>
/// Continuous (iteration-level) batching for one decoder replica. Each iteration is one turn on
/// its device (<see cref="DeviceScheduler"/>): it drops sequences whose caller left (their blocks
/// go back at once), admits waiting ones in priority and fair order up to the model's max batch
/// while the key-value pool can hold their prompts (a prompt whose prefix is cached takes the
/// cached blocks and prefills only the rest), prefills the newcomers (grouped by length), then runs
/// one decode step for every running sequence and streams each its token. A running sequence that
/// needs a block the pool cannot give preempts the least urgent, most recently admitted one, which
/// waits first in line to be recomputed. Sequences leave the batch the moment they finish.
/// </summary>
public sealed class GenerationEngine : IDeviceLane, IDisposable
{
    private readonly DecoderModel _model;
    private readonly DeviceScheduler _device;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<GenerationSequence> _running = [];
    private readonly LinkedList<GenerationSequence> _held = new();
    private readonly Thread _thread;
    private readonly Lock _stopLock = new();
    private volatile Active[] _active = [];
    private Exception? _stopReason;
    private int _runningCount;
    private int _heldCount;
    private long _preemptions;
    private long _admissions;
    private int _disposed;

    public GenerationEngine(DecoderModel model, KvBlockManager blocks, DeviceScheduler device, SchedulingOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(device);
        _model = model;
        _device = device;
        _time = time;
        Blocks = blocks;
        Queue = new WorkQueue<GenerationSequence>(model.Descriptor.Name, model.Descriptor.MaxQueue, options, device.Ledger, time);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"generate {model.Descriptor.Name} on {device.Device}" };
    }

    public WorkQueue<GenerationSequence> Queue { get; }

    public KvBlockManager Blocks { get; }

    /// <summary>Sequences in the running batch now.</summary>
    public int Running => Volatile.Read(ref _runningCount);

    /// <summary>Sequences waiting for key-value blocks (taken from the queue, or preempted).</summary>
    public int Held => Volatile.Read(ref _heldCount);

    /// <summary>Sequences preempted so far (blocks taken back, recomputed later).</summary>
    public long Preemptions => Interlocked.Read(ref _preemptions);

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

    /// <summary>The claim of this replica's next turn: its running and held sequences, and what waits if the batch has room.</summary>
    public LaneClaim? Claim()
    {
        LaneClaim? best = null;
        foreach (var active in _active)
        {
            var claim = new LaneClaim((int)active.Priority, _device.Ledger.Share(active.Tenant), active.Since);
            best = best is null || claim < best.Value ? claim : best;
        }

        return Volatile.Read(ref _runningCount) < _model.Descriptor.MaxBatch && Queue.Claim() is { } waiting ? LaneClaim.Better(best, waiting) : best;
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
        DeviceTurn? turn = null;
        List<(string Tenant, double Units)> served = [];
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (_running.Count == 0 && _held.Count == 0)
                {
                    // Idle: the device goes back before the wait.
                    turn?.Complete(served);
                    turn = null;
                    Queue.Wait(Timeout.InfiniteTimeSpan, token);
                }

                turn = turn is null ? _device.Acquire(this, token) : turn.Next(served, this, token);
                served = Iterate();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            turn?.Complete(served);
        }

        var reason = _stopReason ?? new OperationCanceledException("the engine stopped");
        foreach (var sequence in _running.Concat(_held))
        {
            sequence.Fail(reason);
            Free(sequence);
        }

        _running.Clear();
        _held.Clear();
        Publish();
    }

    /// <summary>One iteration; returns the tokens each tenant had computed (its share of the turn).</summary>
    private List<(string Tenant, double Units)> Iterate()
    {
        var served = new List<(string Tenant, double Units)>();
        foreach (var gone in _running.Where(s => s.IsAbandoned).ToList())
        {
            gone.Release();
            Free(gone);
            _running.Remove(gone);
        }

        for (var node = _held.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.IsAbandoned)
            {
                node.Value.Release();
                _held.Remove(node);
            }

            node = next;
        }

        var admitted = Admit();
        foreach (var group in LengthBuckets.Split(admitted, s => s.Pending.Length))
        {
            Step(group, served);
            _running.AddRange(group.Where(s => !s.IsFinished));
            foreach (var done in group.Where(s => s.IsFinished))
            {
                // Done at its first token (or failed): its blocks go back now.
                Free(done);
            }
        }

        var decoding = _running.Where(s => !s.IsFinished && !s.IsAbandoned).OrderBy(s => s.Priority).ThenBy(s => s.Admission).ToList();
        ReserveOrPreempt(decoding);
        if (decoding.Count > 0)
        {
            Step(decoding, served);
        }

        foreach (var done in _running.Where(s => s.IsFinished))
        {
            Free(done);
        }

        _running.RemoveAll(s => s.IsFinished);
        Publish();
        return served;
    }

    /// <summary>Starts held, then queued sequences while the batch has room and the pool can hold their prompts.</summary>
    private List<GenerationSequence> Admit()
    {
        var admitted = new List<GenerationSequence>();
        while (_running.Count + admitted.Count < _model.Descriptor.MaxBatch)
        {
            GenerationSequence? sequence;
            if (_held.First is { } first)
            {
                sequence = first.Value;
                _held.RemoveFirst();
            }
            else if ((sequence = Queue.Take(1).FirstOrDefault()) is null)
            {
                break;
            }

            var start = sequence.StartTokens();
            var capacity = Math.Min(_model.MaxContext, sequence.Spec.PromptTokens.Length + sequence.Spec.MaxTokens);
            var cache = Blocks.TryStart(start, capacity);
            if (cache is not null && !Blocks.TryReserve(cache, start.Length - cache.Length))
            {
                Blocks.Release(cache);
                cache = null;
            }

            if (cache is null)
            {
                if (_running.Count + admitted.Count == 0 && Blocks.AvailableBlocks == Blocks.TotalBlocks)
                {
                    sequence.Fail(Models.ServingErrors.KvPoolTooSmall(_model.Descriptor.Name, Blocks.Layout.BlocksFor(start.Length), Blocks.TotalBlocks));
                    continue;
                }

                _held.AddFirst(sequence);
                break;
            }

            sequence.Admission = Interlocked.Increment(ref _admissions);
            sequence.Admit(cache, _time.GetElapsedTime(sequence.EnqueuedAt));
            admitted.Add(sequence);
        }

        return admitted;
    }

    /// <summary>
    /// Gives each decoding sequence room for its next token, most urgent and oldest first; when the
    /// pool is out of blocks the least urgent, newest sequence is preempted (possibly the one asking).
    /// </summary>
    private void ReserveOrPreempt(List<GenerationSequence> decoding)
    {
        for (var i = 0; i < decoding.Count;)
        {
            if (Blocks.TryReserve(decoding[i].Cache!, 1))
            {
                i++;
                continue;
            }

            var victim = decoding[^1];
            decoding.RemoveAt(decoding.Count - 1);
            Free(victim);
            victim.Preempt();
            _running.Remove(victim);
            _held.AddFirst(victim);
            Interlocked.Increment(ref _preemptions);
        }
    }

    private void Step(List<GenerationSequence> batch, List<(string Tenant, double Units)> served)
    {
        var started = _time.GetTimestamp();
        var tokens = new int[batch.Count];
        var rows = batch.Select(s => new DecoderRow(s.Cache!, s.Pending)).ToArray();
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
        var fed = rows.Sum(r => r.Tokens.Length);
        var deviceMs = _device.DeviceMs(elapsed);
        for (var i = 0; i < batch.Count; i++)
        {
            var sequence = batch[i];
            sequence.ComputeMs += deviceMs * rows[i].Tokens.Length / fed;
            sequence.MaxBatchSize = Math.Max(sequence.MaxBatchSize, batch.Count);
            served.Add((sequence.Tenant, rows[i].Tokens.Length));
            Blocks.Commit(sequence.Cache!);
            sequence.Accept(tokens[i], _model.EndOfText);
        }

        Queue.Observe(fed, elapsed);
        StepObserver?.Invoke(batch.Count, elapsed);
    }

    private void Free(GenerationSequence sequence)
    {
        if (sequence.Cache is { } cache)
        {
            Blocks.Release(cache);
        }
    }

    /// <summary>Publishes what runs and waits for the scheduler's claims and the gauges.</summary>
    private void Publish()
    {
        _active = [.. _running.Concat(_held).Select(s => new Active(s.Tenant, s.Priority, s.EnqueuedAt))];
        Volatile.Write(ref _runningCount, _running.Count);
        Volatile.Write(ref _heldCount, _held.Count);
    }

    private readonly record struct Active(string Tenant, WorkPriority Priority, long Since);
}
