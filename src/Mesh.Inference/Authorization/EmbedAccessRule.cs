using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Inference.Api;
using Mesh.Inference.Embeddings;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Metering.Estimates;
using Mesh.Security.Authorization;

namespace Mesh.Inference.Authorization;

/// <summary>
/// <c>Embed</c> needs <c>model:&lt;name&gt;#invoker</c> (and a grant for interactive priority); it
/// reserves the tokens of its inputs as the model tokenizes them and the compute those tokens
/// took in the model's recent calls.
/// </summary>
public sealed class EmbedAccessRule(EmbedRequestValidator validator, ModelHost models, ComputeEstimator estimates, ModelCallsInFlight inFlight) : AccessRule<EmbedRequest>
{
    public override string Method => "/mesh.inference.v1.Inference/Embed";

    public override string ResourceType => "model";

    protected override string ResourceOf(EmbedRequest request) => request.Model;

    protected override IReadOnlyList<string> AlsoRequired(EmbedRequest request) => ModelAccess.PriorityGrants(request.Priority);

    protected override async ValueTask<UsageBound?> MaxUsageAsync(EmbedRequest request, ServerCallContext context)
    {
        var descriptor = validator.Validate(request);
        var served = (ServedEmbeddingModel)await models.GetAsync(descriptor, context.CancellationToken);
        var tokens = request.Inputs.Sum(input => (long)served.Model.Tokenize(input, out _).Length);
        return ModelAccess.Bound(estimates, served, ModelAccess.Units(descriptor.Kind, tokens, 0), tokens, 0, inFlight.Enter(descriptor.Name, context));
    }
}
