using System.Collections.Concurrent;
using Grpc.Core;
using Mesh.Inference.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>An Inference service that loads any model it is asked for as a hosted route, keeping the names.</summary>
public sealed class FakeInference : Mesh.Inference.V1.Inference.InferenceBase
{
    public ConcurrentQueue<string> Loaded { get; } = new();

    public override Task<ModelInfo> LoadModel(LoadModelRequest request, ServerCallContext context)
    {
        Loaded.Enqueue(request.Model);
        return Task.FromResult(new ModelInfo { Name = request.Model, Version = "1", Kind = "causal-lm", State = "ready", Device = "upstream" });
    }
}
