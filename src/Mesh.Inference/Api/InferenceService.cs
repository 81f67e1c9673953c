using Grpc.Core;
using Mesh.Inference.V1;

namespace Mesh.Inference.Api;

/// <summary>The Inference gRPC service: each RPC is served by the handler of its feature.</summary>
public sealed class InferenceService(
    EmbedHandler embed,
    GenerateHandler generate,
    InferHandler infer,
    ModelAdminHandler admin) : V1.Inference.InferenceBase
{
    public override Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return embed.EmbedAsync(request, context.CancellationToken);
    }

    public override Task Generate(GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return generate.GenerateAsync(request, responseStream, context.Deadline, context.CancellationToken);
    }

    public override Task<InferResponse> Infer(InferRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return infer.InferAsync(request, context.CancellationToken);
    }

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) => Task.FromResult(admin.ListModels());

    public override Task<ModelInfo> LoadModel(LoadModelRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return admin.LoadAsync(request, context.CancellationToken);
    }

    public override Task<ModelInfo> UnloadModel(UnloadModelRequest request, ServerCallContext context) => Task.FromResult(admin.Unload(request));

    public override Task<ListDevicesResponse> ListDevices(ListDevicesRequest request, ServerCallContext context) => Task.FromResult(admin.ListDevices());
}
