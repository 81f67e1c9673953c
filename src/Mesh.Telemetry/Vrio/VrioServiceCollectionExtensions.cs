using Mesh.Telemetry.Vrio;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class VrioServiceCollectionExtensions
{
    /// <summary>Capability metadata, outcomes and the VRIO report; the registries are read through the models', tools' and agents' own list RPCs.</summary>
    public static IServiceCollection AddVrio(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<VrioOptions>().BindConfiguration(VrioOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VrioOptions>, VrioOptionsValidator>());
        services.AddMeshClient<Mesh.Inference.V1.Inference.InferenceClient>("inference");
        services.AddMeshClient<Mesh.Tools.V1.Tools.ToolsClient>("tools");
        services.AddMeshClient<Mesh.Agents.V1.Agents.AgentsClient>("agents");
        services.TryAddEnumerable(ServiceDescriptor.Transient<ICapabilitySource, ModelRegistrySource>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<ICapabilitySource, ToolRegistrySource>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<ICapabilitySource, WorkflowRegistrySource>());
        services.TryAddSingleton<CapabilityStore>();
        services.TryAddSingleton<VrioFactsReader>();
        services.TryAddTransient<CapabilityCatalog>();
        services.TryAddTransient<OutcomeRecorder>();
        services.TryAddTransient<VrioReporter>();
        return services;
    }
}
