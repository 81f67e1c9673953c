using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Inference.Api;
using Mesh.Inference.V1;
using Mesh.Security.Authorization;

namespace Mesh.Inference.Authorization;

/// <summary>
/// <c>Embed</c> needs <c>model:&lt;name&gt;#invoker</c> (and a grant for interactive priority); it
/// reserves every input at the longest input the model accepts.
/// </summary>
public sealed class EmbedAccessRule(EmbedRequestValidator validator) : AccessRule<EmbedRequest>
{
    public override string Method => "/mesh.inference.v1.Inference/Embed";

    public override string ResourceType => "model";

    protected override string ResourceOf(EmbedRequest request) => request.Model;

    protected override IReadOnlyList<string> AlsoRequired(EmbedRequest request) => ModelAccess.PriorityGrants(request.Priority);

    protected override ValueTask<UsageBound?> MaxUsageAsync(EmbedRequest request, ServerCallContext context)
    {
        var model = validator.Validate(request);
        return ValueTask.FromResult<UsageBound?>(ModelAccess.Bound(model, (long)request.Inputs.Count * model.MaxInputTokens, 0));
    }
}
