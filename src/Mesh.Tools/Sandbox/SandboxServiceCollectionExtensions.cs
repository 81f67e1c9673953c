using Mesh.Tools.Registry;
using Mesh.Tools.Runtimes;
using Mesh.Tools.Sandbox.Workspaces;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Tools.Sandbox;

public static class SandboxServiceCollectionExtensions
{
    /// <summary>The sandbox (<c>Mesh:Tools:Sandbox</c>), run workspaces, the built-in python and shell tools and the process runtime.</summary>
    public static IServiceCollection AddSandbox(this IServiceCollection services)
    {
        services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.SectionName)
            .ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton<SandboxEnvironment>();
        services.TryAddSingleton<SandboxRunner>();
        services.TryAddSingleton<WorkspaceStore>();
        services.TryAddSingleton<SandboxedCall>();
        services.TryAddSingleton<ToolFiles>();
        services.AddHostedService<WorkspaceSweeper>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, PythonTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, ShellTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IToolRuntime, ProcessToolRuntime>());
        services.AddHealthChecks().AddCheck<SandboxHealthCheck>("sandbox");
        return services;
    }
}
