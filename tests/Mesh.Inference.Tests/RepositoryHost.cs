using Mesh.Inference.Api;
using Mesh.Inference.ModelBuilder;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Testing;
using Mesh.Usage.V1;
using DataType = Mesh.Inference.ModelBuilder.Onnx.TensorProto.Types.DataType;

namespace Mesh.Inference.Tests;

/// <summary>
/// A server on a model repository of its own: MiniLM tuned to batch 8 rows with a 2 s max
/// queue delay (so concurrent calls deterministically share a run), a generic tensor model
/// <c>affine</c> (y = x W + b, x [batch, 4]), a model file that is not ONNX (<c>broken</c>)
/// and tiny-gpt loaded on demand only.
/// </summary>
public sealed class RepositoryHost : IDisposable
{
    public static readonly float[] Weights = [1, 0, 0, 1, 2, 0, 0, 2];
    public static readonly float[] Bias = [0.5f, -0.5f];

    public RepositoryHost()
    {
        var minilm = Directory.CreateDirectory(Path.Combine(Root, "all-MiniLM-L6-v2")).FullName;
        var package = BuiltinModels.MiniLmL6V2.PackagePath(Path.Combine(AppContext.BaseDirectory, "models"));
        File.CreateSymbolicLink(Path.Combine(minilm, BuiltinModels.MiniLmL6V2.PackageFile), package);
        File.WriteAllText(Path.Combine(minilm, "model.json"), """{ "maxBatch": 8, "maxQueueDelayMs": 2000 }""");
        Write("tiny-gpt", """{ "loadAtStartup": false }""", null);
        Write("affine", """{ "kind": "tensors", "version": "3", "maxBatch": 16, "maxQueueDelayMs": 1000 }""", AffineModel());
        Write("broken", """{ "kind": "tensors", "loadAtStartup": false }""", "this is not an ONNX model"u8.ToArray());
        Write("bad-config", """{ "kind": "spreadsheet" }""", null);
        Factory = new MeshServiceFactory<InferenceService>().WithSetting("Mesh:Inference:ModelRoot", Root);
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("mesh-repo-").FullName;

    public MeshServiceFactory<InferenceService> Factory { get; }

    public V1.Inference.InferenceClient CreateClient() => new(Factory.CreateChannel());

    public IReadOnlyList<UsageEvent> EventsOf(string tenant) => [.. Factory.Usage.Events.Where(e => e.TenantId == tenant)];

    public static InferRequest Affine(params float[][] rows)
    {
        var tensor = new Tensor { Name = "x", DataType = "float32", Shape = { rows.Length, 4 } };
        tensor.FloatData.AddRange(rows.SelectMany(r => r));
        return new InferRequest { Model = "affine", Inputs = { tensor } };
    }

    public void Dispose()
    {
        Factory.Dispose();
        TestFolders.Delete(Root);
    }

    private static byte[] AffineModel()
    {
        var g = new OnnxGraphBuilder("affine");
        g.Input("x", DataType.Float, "batch", 4);
        g.Node("Add", [g.Node("MatMul", ["x", g.Weight("w", Weights, 4, 2)]), g.Weight("b", Bias, 2)], "y");
        g.Output("y", DataType.Float, "batch", 2);
        return g.ToModel(17, "", new Dictionary<string, string>());
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
public sealed class RepositoryHostCollection : ICollectionFixture<RepositoryHost>
{
    public const string Name = "repository host";
}
