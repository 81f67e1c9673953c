using Mesh.Inference.Api;
using Mesh.Inference.ModelBuilder;
using Mesh.Inference.Models;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Inference.Tests.Gpu;

/// <summary>
/// A server with one simulated device (4 GiB, speed 2) beside the CPU, and two copies of tiny-gpt:
/// <c>tiny-gpt</c> with prefix caching (blocks of 16 positions) and <c>tiny-gpt-cold</c>, the same
/// graph without it. Both are placed on the simulated device (accelerators before the CPU); their
/// runs execute on the CPU.
/// </summary>
public sealed class GpuHost : IDisposable
{
    public const string Cached = "tiny-gpt";
    public const string Cold = "tiny-gpt-cold";
    public const string Device = "sim:0";

    public GpuHost()
    {
        Write(Cached, """{ "kvBlockTokens": 16, "loadAtStartup": false }""", null);
        Write(Cold, """{ "kind": "causal-lm", "tokenizer": "gpt2", "maxInputTokens": 1024, "kvBlockTokens": 16, "prefixCaching": false, "loadAtStartup": false }""",
            TinyGptBuilder.Build(new TinyGptShape(), BuiltinModels.TinyGptSeed));
        Factory = new MeshServiceFactory<InferenceService>()
            .WithSetting("Mesh:Inference:ModelRoot", Root)
            .WithSetting("Mesh:Inference:Devices:Simulated:0:MemoryMiB", "4096")
            .WithSetting("Mesh:Inference:Devices:Simulated:0:Speed", "2");
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("mesh-gpu-").FullName;

    public MeshServiceFactory<InferenceService> Factory { get; }

    public V1.Inference.InferenceClient CreateClient() => new(Factory.CreateChannel());

    public IReadOnlyList<UsageEvent> EventsOf(string tenant) => [.. Factory.Usage.Events.Where(e => e.TenantId == tenant)];

    public void Dispose()
    {
        Factory.Dispose();
        TestFolders.Delete(Root);
    }

    private void Write(string name, string config, byte[]? model)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "model.json"), config);
        if (model is not null)
        {
            File.WriteAllBytes(Path.Combine(folder, "model.onnx"), model);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GpuHostCollection : ICollectionFixture<GpuHost>
{
    public const string Name = "gpu host";
}
