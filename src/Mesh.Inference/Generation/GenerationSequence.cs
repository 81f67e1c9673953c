using System.Threading.Channels;
using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Generation;

/// <summary>
/// One Generate call inside the engine: queued, then running with its own key-value cache
/// until a stop condition, then finished. Its chunks go to the caller through a channel.
/// </summary>
public sealed class GenerationSequence : IScheduledWork
{
    private readonly Channel<GenerationChunk> _output = Channel.CreateUnbounded<GenerationChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly List<int> _generated = [];
    private volatile bool _abandoned;

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

    public KvCache? Cache { get; private set; }

    /// <summary>The token to feed at the next decode step.</summary>
    public int NextInput { get; private set; }

    public IReadOnlyList<int> Generated => _generated;

    public TimeSpan QueueTime { get; private set; }

    public double ComputeMs { get; set; }

    public int MaxBatchSize { get; set; }

    public bool IsFinished { get; private set; }

    public void Abandon() => _abandoned = true;

    /// <summary>Picks the next token from the step's logits, within the constraint's mask when there is one.</summary>
    public int Choose(ReadOnlySpan<float> logits) => Spec.Constraint is { } constraint
        ? Sampler.Next(logits, constraint.Allowed(Spec.MaxTokens - _generated.Count))
        : Sampler.Next(logits);

    public void Admit(KvCache cache, TimeSpan queueTime)
    {
        Cache = cache;
        QueueTime = queueTime;
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
        NextInput = token;
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
        Cache = null;
        _output.Writer.TryComplete(exception);
    }

    /// <summary>Frees the cache of a sequence whose caller left.</summary>
    public void Release()
    {
        IsFinished = true;
        Cache = null;
        _output.Writer.TryComplete(new OperationCanceledException("the caller cancelled the generation"));
    }

    private bool Finish(string reason, string delta)
    {
        var stats = new GenerationStats(Spec.PromptTokens.Length, _generated.Count, QueueTime, TimeSpan.FromMilliseconds(ComputeMs), MaxBatchSize);
        int[] last = _generated.Count > 0 && reason != FinishReasons.EndOfText ? [_generated[^1]] : [];
        _output.Writer.TryWrite(new GenerationChunk(delta, last, reason, stats));
        _output.Writer.TryComplete();
        IsFinished = true;
        Cache = null;
        return true;
    }
}
