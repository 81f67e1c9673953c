using Mesh.Inference.Generation;
using Mesh.Inference.Models;
using Mesh.Inference.Tensors;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Inference.Api;

/// <summary>ListModels, LoadModel, UnloadModel and ListDevices: the repository, model states and devices.</summary>
public sealed class ModelAdminHandler(ModelCatalog catalog, ModelRepository repository, ModelResolver resolver, ModelHost models, DeviceReport report)
{
    public ListModelsResponse ListModels()
    {
        var response = new ListModelsResponse();
        response.Models.AddRange(catalog.Models.Select(m => Info(models.StateOf(m))));
        return response;
    }

    public async Task<ModelInfo> LoadAsync(LoadModelRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireAdmin("LoadModel");
        repository.Scan();
        if (repository.Problems.TryGetValue(request.Model ?? "", out var problem))
        {
            throw MeshErrors.FailedPrecondition($"model '{request.Model}' has an unusable config: {problem}");
        }

        var state = await models.LoadAsync(resolver.Find(request.Model ?? ""), cancellationToken);
        if (state.Failure is { } failure)
        {
            throw MeshErrors.FailedPrecondition($"model '{state.Model.Name}' did not load: {failure.Message}");
        }

        return Info(state);
    }

    public ModelInfo Unload(UnloadModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireAdmin("UnloadModel");
        return Info(models.Unload(resolver.Find(request.Model)));
    }

    public ListDevicesResponse ListDevices() =>
        report.Devices(CallTenant.Current, CallScope.Current?.Caller is { IsAdmin: true });

    private static void RequireAdmin(string rpc)
    {
        if (CallScope.Current?.Caller is not { IsAdmin: true })
        {
            throw MeshErrors.PermissionDenied($"{rpc} changes what the server runs for every tenant; it needs an admin key");
        }
    }

    private static ModelInfo Info(ModelState state)
    {
        var m = state.Model;
        var info = new ModelInfo
        {
            Name = m.Name,
            Version = m.Version,
            Kind = m.Kind,
            Device = state.Served?.Device ?? "",
            Dimensions = m.Dimensions,
            MaxInputTokens = m.MaxInputTokens,
            State = state.State,
            MemoryBytes = state.Replicas.Sum(r => DeviceReport.Replica(r).MemoryReservedBytes),
            Error = state.Failure?.Message ?? "",
            MaxBatch = m.MaxBatch,
            MaxQueueDelayMs = m.MaxQueueDelay.TotalMilliseconds,
            Instances = m.Instances,
            PreferredDevice = m.PreferredDevice,
            PriceClass = m.BillingResource,
            Queued = state.Replicas.Sum(r => r.Served.Queued),
            Upstream = m.Upstream?.ToString() ?? "",
            ChatTemplate = m.Kind == ModelKinds.CausalLm && m.Upstream is null ? m.ChatTemplate.Name : "",
            MinReplicas = m.MinReplicas,
            MaxReplicas = m.MaxReplicas,
        };
        info.Replicas.AddRange(state.Replicas.Where(r => r.Device is not null).Select(DeviceReport.Replica));
        if (state.Served is ServedTensorModel tensors)
        {
            info.Inputs.AddRange(tensors.Model.Inputs.Select(Spec));
            info.Outputs.AddRange(tensors.Model.Outputs.Select(Spec));
        }
        else if (state.Served is ServedDecoderModel decoder)
        {
            info.Dimensions = decoder.Model.Signature.Heads * decoder.Model.Signature.HeadSize;
        }

        return info;
    }

    private static V1.TensorSpec Spec(Tensors.TensorSpec spec)
    {
        var proto = new V1.TensorSpec { Name = spec.Name, DataType = spec.DataType };
        proto.Shape.AddRange(spec.Shape);
        return proto;
    }
}
