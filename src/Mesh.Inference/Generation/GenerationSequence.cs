using System.Threading.Channels;
using Mesh.Inference.KvBlocks;
using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Generation;

/// <summary>
/// One Generate call inside the engine: queued, then running with its key-value blocks until a
/// stop condition, then finished. Preempted when blocks run out, it gives its blocks back and is
/// recomputed later from its prompt and the tokens it already produced (which its caller already
/// has). Its chunks go to the caller through a channel.
/// </summary>
public sealed class GenerationSequence : IScheduledWork
{
    private readonly Channel<GenerationChunk> _output = Channel.CreateUnbounded<GenerationChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly List<int> _generated = [];
    private volatile bool _abandoned;
    private bool _admitted;
    private int _peakBlocks;

    public GenerationSequence(GenerationSpec spec, string tenant, WorkPriority priority, long enqueuedAt, TextStream text)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        Tenant = tenant;
        Priority = priority;
        EnqueuedAt = enqueuedAt;
        Text = text;
        Sampler = new Sampler(spec.Sampling);
    }

    public GenerationSpec Spec { get; }

    public string Tenant { get; }

    public WorkPriority Priority { get; }

    /// <summary>Prompt plus token budget: what the sequence may cost the device.</summary>
    public double Cost => Spec.PromptTokens.Length + Spec.MaxTokens;

    public bool IsAbandoned => _abandoned;

    public long EnqueuedAt { get; }

    public ChannelReader<GenerationChunk> Output => _output.Reader;

    public TextStream Text { get; }

    public Sampler Sampler { get; }

    /// <summary>Its key-value blocks while it runs.</summary>
    public KvSequence? Cache { get; private set; }

    /// <summary>The tokens to feed at the next step: what is not cached yet of its prompt (and output, after a preemption), then one token at a time.</summary>
    public int[] Pending { get; private set; } = [];

    public IReadOnlyList<int> Generated => _generated;

    public TimeSpan QueueTime { get; private set; }

    public double ComputeMs { get; set; }

    public int MaxBatchSize { get; set; }

    /// <summary>Prompt tokens the prefix cache supplied when it first started.</summary>
    public int CachedTokens { get; private set; }

    /// <summary>The most key-value blocks it held at once.</summary>
    public int PeakBlocks => Math.Max(_peakBlocks, Cache?.PeakBlocks ?? 0);

    public int Preemptions { get; private set; }

    public bool IsFinished { get; private set; }

    /// <summary>The engine's order of admission (the newest is preempted first).</summary>
    public long Admission { get; set; }

    /// <summary>What it starts (again) from: its prompt, and after a preemption the tokens it produced.</summary>
    public int[] StartTokens() => _generated.Count == 0 ? Spec.PromptTokens : [.. Spec.PromptTokens, .. _generated];

    public void Abandon() => _abandoned = true;

    /// <summary>Picks the next token from the step's logits, within the constraint's mask when there is one.</summary>
    public int Choose(ReadOnlySpan<float> logits) => Spec.Constraint is { } constraint
        ? Sampler.Next(logits, constraint.Allowed(Spec.MaxTokens - _generated.Count))
        : Sampler.Next(logits);

    /// <summary>Starts running with <paramref name="cache"/> (its cached prefix already in it).</summary>
    public void Admit(KvSequence cache, TimeSpan queueTime)
    {
        ArgumentNullException.ThrowIfNull(cache);
        Cache = cache;
        var start = StartTokens();
        Pending = start[cache.Length..];
        if (!_admitted)
        {
            QueueTime = queueTime;
            CachedTokens = cache.CachedTokens;
            _admitted = true;
        }
    }

    /// <summary>Its blocks were taken back: it will start again from its prompt and output.</summary>
    public void Preempt()
    {
        _peakBlocks = PeakBlocks;
        Cache = null;
        Pending = [];
        Preemptions++;
    }

    /// <summary>Records a sampled token and streams its text; true when the sequence is done.</summary>
    public bool Accept(int token, int endOfText)
    {
        if (token == endOfText && (!Spec.IgnoreEndOfText || Spec.Constraint is not null))
        {
            return Finish(FinishReasons.EndOfText, Text.Flush());
        }

        Spec.Constraint?.Accept(token);

        _generated.Add(token);
        Pending = [token];
        var (delta, stopped) = Text.Push(token);
        if (stopped)
        {
            return Finish(FinishReasons.Stop, delta);
        }

        if (_generated.Count >= Spec.MaxTokens || Cache!.Length + 1 > Cache.Capacity)
        {
            return Finish(FinishReasons.Length, delta + Text.Flush());
        }

        _output.Writer.TryWrite(new GenerationChunk(delta, [token]));
        return false;
    }

    /// <summary>Ends the stream with an error (the model stopped, a run failed).</summary>
    public void Fail(Exception exception)
    {
        IsFinished = true;
        _output.Writer.TryComplete(exception);
    }

    /// <summary>Ends a sequence whose caller left.</summary>
    public void Release()
    {
        IsFinished = true;
        _output.Writer.TryComplete(new OperationCanceledException("the caller cancelled the generation"));
    }

    private bool Finish(string reason, string delta)
    {
        var stats = new GenerationStats(Spec.PromptTokens.Length, _generated.Count, QueueTime, TimeSpan.FromMilliseconds(ComputeMs), MaxBatchSize)
        {
            CachedTokens = CachedTokens,
            KvBlocks = PeakBlocks,
            Preemptions = Preemptions,
        };
        int[] last = _generated.Count > 0 && reason != FinishReasons.EndOfText ? [_generated[^1]] : [];
        _output.Writer.TryWrite(new GenerationChunk(delta, last, reason, stats));
        _output.Writer.TryComplete();
        IsFinished = true;
        return true;
    }
}
