using Grpc.Core;
using Mesh.Inference.Embeddings;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Inference.Api;

/// <summary>Serves the models of the catalog: embeddings and the model list.</summary>
public sealed class InferenceService(
    ModelCatalog catalog,
    ModelHost models,
    EmbedRequestValidator validator,
    EmbeddingTelemetry telemetry,
    TimeProvider time) : V1.Inference.InferenceBase
{
    public override async Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var started = time.GetTimestamp();
        var cancellationToken = context.CancellationToken;
        var descriptor = validator.Validate(request);
        cancellationToken.ThrowIfCancellationRequested();

        var model = await GetModelAsync(descriptor, cancellationToken);
        using var activity = telemetry.StartActivity(model);
        using var lease = await model.AcquireAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        // From here the model works for this call: exactly one usage event, whatever happens.
        var usage = telemetry.Begin(model, request.Inputs.Count, lease.QueueTime);
        EmbeddingBatch batch;
        try
        {
            batch = lease.Embed(request.Inputs, cancellationToken);
        }
        catch (Exception ex)
        {
            await telemetry.FailAsync(usage, activity, ex, started);
            throw;
        }

        await telemetry.SucceedAsync(usage, activity, batch, started);
        return ToResponse(model, batch);
    }

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        response.Models.AddRange(catalog.Models.Select(m => new ModelInfo
        {
            Name = m.Name,
            Version = m.Version,
            Kind = m.Kind,
            Device = models.DeviceOf(m) ?? "",
            Dimensions = m.Dimensions,
            MaxInputTokens = m.MaxInputTokens,
        }));
        return Task.FromResult(response);
    }

    private async Task<EmbeddingModel> GetModelAsync(ModelDescriptor descriptor, CancellationToken cancellationToken)
    {
        try
        {
            return await models.GetEmbeddingModelAsync(descriptor, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw MeshErrors.Unavailable($"model '{descriptor.Name}' could not be loaded on this server ({ex.Message}); the server log has the details");
        }
    }

    private static EmbedResponse ToResponse(EmbeddingModel model, EmbeddingBatch batch)
    {
        var response = new EmbedResponse
        {
            Model = model.Descriptor.Name,
            ModelVersion = model.Descriptor.Version,
            Device = model.Device,
            InputTokens = (int)batch.InputTokens,
        };
        for (var i = 0; i < batch.Vectors.Length; i++)
        {
            var embedding = new Embedding { Tokens = batch.TokenCounts[i] };
            embedding.Values.AddRange(batch.Vectors[i]);
            response.Embeddings.Add(embedding);
        }

        return response;
    }
}
