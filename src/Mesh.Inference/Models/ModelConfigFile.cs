using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Inference.Models;

/// <summary>
/// A model's <c>model.json</c>: kind, version, files, batching and placement. Every field is
/// optional where a default makes sense; every problem is reported at once.
/// </summary>
public sealed class ModelConfigFile
{
    public const string FileName = "model.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public string? Name { get; set; }

    public string? Kind { get; set; }

    public string? Version { get; set; }

    public string? File { get; set; }

    public string? Resource { get; set; }

    public string? VocabularyResource { get; set; }

    public int Dimensions { get; set; }

    public int MaxInputTokens { get; set; }

    public int? MaxBatch { get; set; }

    public double? MaxQueueDelayMs { get; set; }

    public int? Instances { get; set; }

    public string? PreferredDevice { get; set; }

    public string? PriceClass { get; set; }

    public int? MaxQueue { get; set; }

    public string? Tokenizer { get; set; }

    public bool? LoadAtStartup { get; set; }

    /// <summary>Memory to reserve at least, in MiB (what the model measures after loading counts when larger).</summary>
    public long? MemoryMiB { get; set; }

    /// <summary>causal-lm: the key-value pool budget per replica, in MiB.</summary>
    public long? KvCacheMiB { get; set; }

    /// <summary>causal-lm: positions per key-value block.</summary>
    public int? KvBlockTokens { get; set; }

    /// <summary>causal-lm: whether prompt prefixes share cached blocks.</summary>
    public bool? PrefixCaching { get; set; }

    public int? MinReplicas { get; set; }

    public int? MaxReplicas { get; set; }

    /// <summary>causal-lm: <c>plain</c>, <c>chatml</c>, or an object with system, user, assistant, tool, generation and stop.</summary>
    public JsonElement? ChatTemplate { get; set; }

    /// <summary>A hosted model: served by an upstream OpenAI-compatible endpoint instead of an ONNX file.</summary>
    public UpstreamConfig? Upstream { get; set; }

    [JsonIgnore]
    public string Path { get; private set; } = "";

    /// <summary>Reads <paramref name="path"/>; throws <see cref="InvalidDataException"/> listing every problem.</summary>
    public static ModelConfigFile Read(string path)
    {
        ModelConfigFile? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfigFile>(System.IO.File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }

        if (config is null)
        {
            throw new InvalidDataException($"{path} is empty");
        }

        config.Path = path;
        return config;
    }

    /// <summary>The descriptor this config describes, on top of <paramref name="baseline"/> (a built-in model) if any.</summary>
    public ModelDescriptor ToDescriptor(string folderName, ModelDescriptor? baseline)
    {
        var kind = Kind ?? baseline?.Kind;
        var problems = new List<string>();
        if (kind is null || !ModelKinds.All.Contains(kind))
        {
            problems.Add($"kind must be one of {string.Join(", ", ModelKinds.All)} (was '{kind}')");
        }

        if (MaxBatch is < 1 or > 4096)
        {
            problems.Add($"maxBatch must be 1..4096 (was {MaxBatch})");
        }

        if (MaxQueueDelayMs is < 0 or > 10_000)
        {
            problems.Add($"maxQueueDelayMs must be 0..10000 (was {MaxQueueDelayMs})");
        }

        if (Instances is < 1 or > 64)
        {
            problems.Add($"instances must be 1..64 (was {Instances})");
        }

        if (MemoryMiB is < 0 || KvCacheMiB is < 0)
        {
            problems.Add($"memoryMiB and kvCacheMiB must not be negative (were {MemoryMiB}, {KvCacheMiB})");
        }

        if (KvBlockTokens is < 1 or > 1024)
        {
            problems.Add($"kvBlockTokens must be 1..1024 (was {KvBlockTokens})");
        }

        var (minReplicas, maxReplicas) = (MinReplicas ?? baseline?.MinReplicas ?? 1, MaxReplicas ?? baseline?.MaxReplicas ?? 1);
        if (minReplicas is < 1 or > 16 || maxReplicas is < 1 or > 16 || minReplicas > maxReplicas)
        {
            problems.Add($"minReplicas and maxReplicas must be 1..16 with minReplicas <= maxReplicas (were {minReplicas}, {maxReplicas})");
        }

        if (MaxQueue is < 1)
        {
            problems.Add($"maxQueue must be at least 1 (was {MaxQueue})");
        }

        if (PreferredDevice is not null && !Runtime.ExecutionDevice.TryParsePreference(PreferredDevice, out _))
        {
            problems.Add($"preferredDevice must be auto, cpu or cuda (was '{PreferredDevice}')");
        }

        if (kind == ModelKinds.Embedding && (Dimensions > 0 ? Dimensions : baseline?.Dimensions ?? 0) <= 0)
        {
            problems.Add("dimensions must be set for an embedding model");
        }

        var template = ReadTemplate(problems);
        var upstream = Upstream?.ToUpstream(problems);
        if (upstream is not null && kind != ModelKinds.CausalLm)
        {
            problems.Add("upstream models must be of kind causal-lm");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{Path}: {string.Join("; ", problems)}");
        }

        var defaults = baseline ?? new ModelDescriptor(Name ?? folderName, "1", kind!, 0, 0, "model.onnx", "", "");
        return defaults with
        {
            Name = Name ?? defaults.Name,
            Kind = kind!,
            Version = Version ?? defaults.Version,
            PackageFile = File ?? defaults.PackageFile,
            ModelResource = Resource ?? defaults.ModelResource,
            VocabularyResource = VocabularyResource ?? defaults.VocabularyResource,
            Dimensions = Dimensions > 0 ? Dimensions : defaults.Dimensions,
            MaxBatch = MaxBatch ?? defaults.MaxBatch,
            MaxQueueDelay = MaxQueueDelayMs is { } delay ? TimeSpan.FromMilliseconds(delay) : defaults.MaxQueueDelay,
            Instances = Instances ?? defaults.Instances,
            PreferredDevice = PreferredDevice ?? defaults.PreferredDevice,
            PriceClass = PriceClass ?? defaults.PriceClass,
            MaxQueue = MaxQueue ?? defaults.MaxQueue,
            Tokenizer = Tokenizer ?? defaults.Tokenizer,
            LoadAtStartup = LoadAtStartup ?? defaults.LoadAtStartup,
            MemoryBytes = MemoryMiB is { } memory ? memory << 20 : defaults.MemoryBytes,
            KvCacheBytes = KvCacheMiB is { } kv ? kv << 20 : defaults.KvCacheBytes,
            KvBlockTokens = KvBlockTokens ?? defaults.KvBlockTokens,
            PrefixCaching = PrefixCaching ?? defaults.PrefixCaching,
            MinReplicas = minReplicas,
            MaxReplicas = maxReplicas,
            ChatTemplate = template ?? defaults.ChatTemplate,
            Upstream = upstream ?? defaults.Upstream,
            MaxInputTokens = MaxInputTokens > 0 ? MaxInputTokens : defaults.MaxInputTokens > 0 ? defaults.MaxInputTokens : upstream is not null ? UpstreamModel.DefaultContext : 0,
            ConfigPath = Path,
        };
    }

    private Chat.ChatTemplate? ReadTemplate(List<string> problems)
    {
        if (ChatTemplate is not { } element)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            var name = element.GetString();
            var named = Chat.ChatTemplate.BuiltIn.FirstOrDefault(t => t.Name == name);
            if (named is null)
            {
                problems.Add($"chatTemplate '{name}' is not one of {string.Join(", ", Chat.ChatTemplate.BuiltIn.Select(t => t.Name))} (or give an object with system, user, assistant, tool, generation, stop)");
            }

            return named;
        }

        try
        {
            var custom = element.Deserialize<CustomTemplate>(Json) ?? new CustomTemplate();
            var template = new Chat.ChatTemplate("custom", custom.System ?? "{content}\n", custom.User ?? "", custom.Assistant ?? "", custom.Tool ?? custom.User ?? "", custom.Generation ?? "", custom.Stop ?? []);
            problems.AddRange(template.Problems());
            return template;
        }
        catch (JsonException ex)
        {
            problems.Add($"chatTemplate is not a template object: {ex.Message}");
            return null;
        }
    }

    private sealed class CustomTemplate
    {
        public string? System { get; set; }

        public string? User { get; set; }

        public string? Assistant { get; set; }

        public string? Tool { get; set; }

        public string? Generation { get; set; }

        public List<string>? Stop { get; set; }
    }
}
