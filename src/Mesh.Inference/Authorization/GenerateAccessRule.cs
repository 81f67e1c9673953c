using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Inference.Api;
using Mesh.Inference.Generation;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Metering.Estimates;
using Mesh.Security.Authorization;

namespace Mesh.Inference.Authorization;

/// <summary>
/// <c>Generate</c> needs <c>model:&lt;name&gt;#invoker</c> (and a grant for interactive priority);
/// it reserves the tokenized prompt (chat messages as the model's template renders them; for a
/// hosted model, estimated from its length), the most tokens it may generate, and the compute
/// that many decoding steps took in the model's recent calls.
/// </summary>
public sealed class GenerateAccessRule(GenerateRequestValidator validator, ModelHost models, ComputeEstimator estimates, ModelCallsInFlight inFlight) : AccessRule<GenerateRequest>
{
    public override string Method => "/mesh.inference.v1.Inference/Generate";

    public override string ResourceType => "model";

    protected override string ResourceOf(GenerateRequest request) => request.Model;

    protected override IReadOnlyList<string> AlsoRequired(GenerateRequest request) => ModelAccess.PriorityGrants(request.Priority);

    protected override async ValueTask<UsageBound?> MaxUsageAsync(GenerateRequest request, ServerCallContext context)
    {
        var descriptor = validator.FindModel(request);
        var served = await models.GetAsync(descriptor, context.CancellationToken);
        var text = PromptText.Of(request, descriptor);
        // A hosted model's tokenizer is the upstream's: about four characters a token.
        var prompt = served is ServedDecoderModel decoder ? decoder.Model.Tokenizer.CountTokens(text) : (text.Length + 3) / 4;
        var output = request.MaxTokens > 0 ? request.MaxTokens : GenerateRequestValidator.DefaultMaxTokens;
        return ModelAccess.Bound(estimates, served, ModelAccess.Units(descriptor.Kind, prompt, output), prompt, output, inFlight.Enter(descriptor.Name, context));
    }
}
