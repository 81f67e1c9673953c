using Grpc.Core;
using Mesh.Inference.V1;
using Mesh.Pricing;
using Mesh.Security.Authorization;

namespace Mesh.Inference.Authorization;

/// <summary>
/// <c>Generate</c> needs <c>model:&lt;name&gt;#invoker</c>; it reserves the prompt and the most
/// tokens it may generate, and settles what the final summary reports.
/// </summary>
public sealed class GenerateAccessRule(PriceCatalog prices) : AccessRule<GenerateRequest, GenerateResponse>
{
    public override string Method => "/mesh.inference.v1.Inference/Generate";

    public override string ResourceType => "model";

    protected override string ResourceOf(GenerateRequest request) => request.Model.Trim();

    protected override Spend MaxSpend(GenerateRequest request, ServerCallContext context) =>
        PricedSpend.Of(prices, request.Model.Trim(), (long)request.Prompt.Length * ModelLimits.TokensPerPromptChar,
            request.MaxTokens > 0 ? request.MaxTokens : ModelLimits.DefaultMaxTokens, ModelLimits.MaxComputeMs);

    protected override Spend SpendOf(GenerateResponse response) => response.Summary is { } summary
        ? PricedSpend.Of(prices, summary.Model, summary.InputTokens, summary.OutputTokens, summary.ComputeMs)
        : default;
}
