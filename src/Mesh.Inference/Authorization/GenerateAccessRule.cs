using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Inference.Api;
using Mesh.Inference.V1;
using Mesh.Security.Authorization;

namespace Mesh.Inference.Authorization;

/// <summary>
/// <c>Generate</c> needs <c>model:&lt;name&gt;#invoker</c> (and a grant for interactive priority);
/// it reserves the prompt and the most tokens it may generate.
/// </summary>
public sealed class GenerateAccessRule(GenerateRequestValidator validator) : AccessRule<GenerateRequest>
{
    public override string Method => "/mesh.inference.v1.Inference/Generate";

    public override string ResourceType => "model";

    protected override string ResourceOf(GenerateRequest request) => request.Model;

    protected override IReadOnlyList<string> AlsoRequired(GenerateRequest request) => ModelAccess.PriorityGrants(request.Priority);

    protected override ValueTask<UsageBound?> MaxUsageAsync(GenerateRequest request, ServerCallContext context)
    {
        var model = validator.FindModel(request);
        var output = request.MaxTokens > 0 ? request.MaxTokens : GenerateRequestValidator.DefaultMaxTokens;
        return ValueTask.FromResult<UsageBound?>(ModelAccess.Bound(model, (long)request.Prompt.Length * ModelAccess.TokensPerPromptChar, output));
    }
}
