namespace Mesh.Inference.Embeddings;

/// <summary>Exclusive use of an <see cref="EmbeddingModel"/> until disposed.</summary>
public sealed class EmbeddingLease : IDisposable
{
    private readonly EmbeddingModel _model;
    private int _released;

    internal EmbeddingLease(EmbeddingModel model, TimeSpan queueTime)
    {
        _model = model;
        QueueTime = queueTime;
    }

    /// <summary>How long the request waited for the model.</summary>
    public TimeSpan QueueTime { get; }

    /// <summary>Embeds <paramref name="inputs"/> in one batched run.</summary>
    public EmbeddingBatch Embed(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        return _model.Run(inputs, cancellationToken);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _model.Release();
        }
    }
}
