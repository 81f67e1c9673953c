namespace Mesh.Inference.Models;

/// <summary>
/// A model of the repository: what it is, where its files are
/// (<c>&lt;root&gt;/&lt;name&gt;/&lt;package file&gt;</c>, the ONNX graph either that file or, with
/// <see cref="ModelResource"/>, an embedded resource of it), and how it is served.
/// </summary>
public sealed record ModelDescriptor(
    string Name,
    string Version,
    string Kind,
    int Dimensions,
    int MaxInputTokens,
    string PackageFile,
    string ModelResource,
    string VocabularyResource)
{
    /// <summary>Most rows (embedding inputs, tensor calls, running sequences) in one model run.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>How long the oldest waiting call may wait for a fuller batch; zero batches whatever waits when the model frees up.</summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Runs of this model that may execute at once.</summary>
    public int Instances { get; init; } = 1;

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public string PreferredDevice { get; init; } = "auto";

    /// <summary>The price list entry usage of this model is billed under (defaults to the model name).</summary>
    public string PriceClass { get; init; } = "";

    /// <summary>Most calls waiting for this model.</summary>
    public int MaxQueue { get; init; } = 1024;

    /// <summary>Tokenizer of a causal LM: <c>gpt2</c>, or <c>bpe</c> (GPT-2-style vocab.json and merges.txt in the model's folder).</summary>
    public string Tokenizer { get; init; } = "gpt2";

    /// <summary>How chat messages become the prompt of a local causal LM.</summary>
    public Chat.ChatTemplate ChatTemplate { get; init; } = Chat.ChatTemplate.Plain;

    /// <summary>A hosted model: calls go to this upstream OpenAI-compatible endpoint; null for local models.</summary>
    public UpstreamModel? Upstream { get; init; }

    /// <summary>Loaded when the server starts (otherwise on first use or LoadModel).</summary>
    public bool LoadAtStartup { get; init; } = true;

    /// <summary>Memory to reserve for the model at least (weights, workspace), whatever it measures; 0: what it measures.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>A decoder's key-value pool budget per replica; 0: a full batch at the full context.</summary>
    public long KvCacheBytes { get; init; }

    /// <summary>Positions per key-value block.</summary>
    public int KvBlockTokens { get; init; } = 16;

    /// <summary>Whether a decoder shares the blocks of prompt prefixes it already computed.</summary>
    public bool PrefixCaching { get; init; } = true;

    /// <summary>Replicas (copies, each its own session on its own device) kept loaded at least.</summary>
    public int MinReplicas { get; init; } = 1;

    /// <summary>Replicas the scaler may add while calls queue up.</summary>
    public int MaxReplicas { get; init; } = 1;

    /// <summary>Where the model's config was read from, empty for built-in defaults.</summary>
    public string ConfigPath { get; init; } = "";

    /// <summary>The package file of this model under <paramref name="modelRoot"/>.</summary>
    public string PackagePath(string modelRoot) => Path.Combine(modelRoot, Name, PackageFile);

    /// <summary>The price list entry this model's usage is billed under.</summary>
    public string BillingResource => string.IsNullOrEmpty(PriceClass) ? Name : PriceClass;
}
