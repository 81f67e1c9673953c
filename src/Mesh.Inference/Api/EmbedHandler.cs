using Mesh.Inference.Embeddings;
using Mesh.Inference.Models;
using Mesh.Inference.Scheduling;
using Mesh.Inference.V1;

namespace Mesh.Inference.Api;

/// <summary>Embed: validate, queue the inputs with the model's batcher, answer with the vectors.</summary>
public sealed class EmbedHandler(EmbedRequestValidator validator, ModelHost models, InferenceTelemetry telemetry, TimeProvider time)
{
    public const string Operation = "embeddings";

    public async Task<EmbedResponse> EmbedAsync(EmbedRequest request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var descriptor = validator.Validate(request);
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await models.AcquireAsync(descriptor, cancellationToken);
        var served = (ServedEmbeddingModel)lease.Served;
        var priority = WorkPriorities.From(request.Priority);
        using var activity = telemetry.StartActivity(Operation, served);
        EmbeddingBatch batch;
        try
        {
            batch = await served.Batcher.EmbedAsync(request.Inputs, CallTenant.Current, priority, cancellationToken);
        }
        catch (Exception ex)
        {
            telemetry.Failed(Operation, served, priority, ex, activity, started);
            throw;
        }

        var measures = new CallMeasures(batch.InputTokens, 0, batch.QueueTime, batch.ComputeTime, batch.BatchSize);
        var attributes = new Dictionary<string, string> { ["truncated_inputs"] = batch.TruncatedInputs.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        activity?.SetTag("gen_ai.embeddings.dimension.count", batch.Vectors.Length > 0 ? batch.Vectors[0].Length : 0);
        activity?.SetTag("mesh.truncated_inputs", batch.TruncatedInputs);
        telemetry.Succeeded(Operation, served, priority, measures, activity, started, attributes);
        return ToResponse(served, batch);
    }

    private static EmbedResponse ToResponse(ServedEmbeddingModel model, EmbeddingBatch batch)
    {
        var response = new EmbedResponse
        {
            Model = model.Descriptor.Name,
            ModelVersion = model.Descriptor.Version,
            Device = model.Device,
            InputTokens = (int)batch.InputTokens,
            BatchSize = batch.BatchSize,
            QueueMs = batch.QueueTime.TotalMilliseconds,
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
