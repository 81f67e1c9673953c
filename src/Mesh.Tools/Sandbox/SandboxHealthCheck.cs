using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Tools.Sandbox;

/// <summary><c>/health</c> is Degraded while sandboxed tools cannot run here (the other tools still can), saying why.</summary>
internal sealed class SandboxHealthCheck(SandboxEnvironment environment) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(environment.Problem is { } problem
            ? HealthCheckResult.Degraded($"sandboxed tools unavailable: {problem}")
            : HealthCheckResult.Healthy($"sandbox ready (cgroups {environment.Cgroups!.Version})"));
}
