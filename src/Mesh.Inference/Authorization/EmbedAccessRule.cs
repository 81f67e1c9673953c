using Grpc.Core;
using Mesh.Inference.V1;
using Mesh.Pricing;
using Mesh.Security.Authorization;

namespace Mesh.Inference.Authorization;

/// <summary>
/// <c>Embed</c> needs <c>model:&lt;name&gt;#invoker</c>; it reserves the price of every input at
/// the longest input a model accepts and settles the tokens it embedded.
/// </summary>
public sealed class EmbedAccessRule(PriceCatalog prices) : AccessRule<EmbedRequest, EmbedResponse>
{
    public const int MaxTokensPerInput = 512;

    public override string Method => "/mesh.inference.v1.Inference/Embed";

    public override string ResourceType => "model";

    protected override string ResourceOf(EmbedRequest request) => request.Model.Trim();

    protected override Spend MaxSpend(EmbedRequest request, ServerCallContext context) =>
        PricedSpend.Of(prices, request.Model.Trim(), (long)request.Inputs.Count * MaxTokensPerInput, 0, ModelLimits.MaxComputeMs);

    protected override Spend SpendOf(EmbedResponse response) => PricedSpend.Of(prices, response.Model, response.InputTokens, 0, 0);
}

/// <summary>Bounds used for reservations when the model cannot say.</summary>
public static class ModelLimits
{
    /// <summary>Compute time reserved per call.</summary>
    public const double MaxComputeMs = 10_000;

    /// <summary>Prompt tokens reserved per character of prompt (a token is at least one character).</summary>
    public const int TokensPerPromptChar = 1;

    public const int DefaultMaxTokens = 64;
}
