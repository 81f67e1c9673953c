using FastBertTokenizer;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace Mesh.Inference.Embeddings;

/// <summary>
/// A BERT-style sentence embedding model on ONNX Runtime: WordPiece tokenization, one batched
/// run per request (padded to the longest input), mean pooling over the attention mask and
/// L2 normalisation. Runs are serialised: one run already uses every core it was given.
/// </summary>
public sealed class EmbeddingModel : ILoadedModel
{
    public const string InputIdsName = "input_ids";
    public const string AttentionMaskName = "attention_mask";
    public const string TokenTypeIdsName = "token_type_ids";
    public const string OutputName = "last_hidden_state";

    private static readonly string[] OutputNames = [OutputName];

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate;
    private readonly Lock _tokenizerLock = new();
    private readonly string[] _inputNames;

    public EmbeddingModel(ModelDescriptor descriptor, LoadedSession loaded, BertTokenizer tokenizer, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(time);
        _inputNames = ModelSignature.Check(descriptor, loaded.Session);
        Descriptor = descriptor;
        Device = loaded.Device;
        _session = loaded.Session;
        _tokenizer = tokenizer;
        _time = time;
        _gate = new SemaphoreSlim(descriptor.Instances, descriptor.Instances);
        MemoryBytes = loaded.WeightsBytes;
    }

    /// <summary>Device memory reserved for the model.</summary>
    public long MemoryBytes { get; }

    public ModelDescriptor Descriptor { get; }

    /// <summary>Where runs execute: <c>cpu</c> or <c>cuda:N</c>.</summary>
    public string Device { get; }

    /// <summary>Waits for the model to be free; the lease reports how long that took.</summary>
    public async Task<EmbeddingLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var waitStarted = _time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken);
        return new EmbeddingLease(this, _time.GetElapsedTime(waitStarted));
    }

    /// <summary>Runs once so the first request does not pay for lazy initialisation.</summary>
    public void WarmUp() => Run(["Mesh warms up the model."], CancellationToken.None);

    public void Dispose()
    {
        _session.Dispose();
        _gate.Dispose();
    }

    internal void Release() => _gate.Release();

    /// <summary>The token ids of one input, cut to the model's limit.</summary>
    public long[] Tokenize(string input, out bool truncated)
    {
        lock (_tokenizerLock)
        {
            return TokenizedBatch.Tokenize(_tokenizer, input, Descriptor.MaxInputTokens, out truncated);
        }
    }

    internal EmbeddingBatch Run(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TokenizedBatch batch;
        lock (_tokenizerLock)
        {
            batch = TokenizedBatch.Create(_tokenizer, inputs, Descriptor.MaxInputTokens);
        }

        var (vectors, computeTime) = RunBatch(batch, cancellationToken);
        return new EmbeddingBatch(vectors, batch.TokenCounts, batch.TruncatedInputs, computeTime) { BatchSize = batch.BatchSize };
    }

    /// <summary>One model run over tokenized rows (padded to the longest): a unit vector per row.</summary>
    public (float[][] Vectors, TimeSpan ComputeTime) RunRows(IReadOnlyList<long[]> rows, CancellationToken cancellationToken) =>
        RunBatch(TokenizedBatch.FromRows(rows, 0), cancellationToken);

    private (float[][] Vectors, TimeSpan ComputeTime) RunBatch(TokenizedBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shape = batch.Shape;
        using var inputIds = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var attentionMask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var tokenTypeIds = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        OrtValue[] values = _inputNames.Length == 3 ? [inputIds, attentionMask, tokenTypeIds] : [inputIds, attentionMask];

        using var runOptions = new RunOptions();
        // A cancelled call stops the run between operators instead of finishing work nobody reads.
        using var cancel = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);
        cancellationToken.ThrowIfCancellationRequested();
        var started = _time.GetTimestamp();
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(runOptions, _inputNames, values, OutputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the embedding run was cancelled", cancellationToken);
        }

        using (outputs)
        {
            var hidden = outputs[0];
            var outputShape = hidden.GetTensorTypeAndShape().Shape;
            if (outputShape is not [var b, var s, var d] || b != batch.BatchSize || s != batch.SequenceLength || d != Descriptor.Dimensions)
            {
                throw new InvalidDataException(
                    $"model '{Descriptor.Name}' returned {OutputName} of shape [{string.Join(", ", outputShape)}]; expected [{batch.BatchSize}, {batch.SequenceLength}, {Descriptor.Dimensions}]");
            }

            var vectors = EmbeddingPooling.MeanPoolNormalized(
                hidden.GetTensorDataAsSpan<float>(), batch.AttentionMask, batch.BatchSize, batch.SequenceLength, Descriptor.Dimensions);
            return (vectors, _time.GetElapsedTime(started));
        }
    }
}
