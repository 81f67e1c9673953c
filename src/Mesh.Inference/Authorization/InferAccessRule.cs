using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Inference.Api;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Metering.Estimates;
using Mesh.Security.Authorization;

namespace Mesh.Inference.Authorization;

/// <summary>
/// <c>Infer</c> needs <c>model:&lt;name&gt;#invoker</c> (and a grant for interactive priority), like
/// every other model call, and reserves the compute the model's recent calls took.
/// </summary>
public sealed class InferAccessRule(ModelResolver resolver, ModelHost models, ComputeEstimator estimates, ModelCallsInFlight inFlight) : AccessRule<InferRequest>
{
    public override string Method => "/mesh.inference.v1.Inference/Infer";

    public override string ResourceType => "model";

    protected override string ResourceOf(InferRequest request) => request.Model;

    protected override IReadOnlyList<string> AlsoRequired(InferRequest request) => ModelAccess.PriorityGrants(request.Priority);

    protected override async ValueTask<UsageBound?> MaxUsageAsync(InferRequest request, ServerCallContext context)
    {
        var descriptor = resolver.Find(request.Model, request.ModelVersion, ModelKinds.Tensors, "Infer");
        var served = await models.GetAsync(descriptor, context.CancellationToken);
        return ModelAccess.Bound(estimates, served, 1, 0, 0, inFlight.Enter(descriptor.Name, context));
    }
}
