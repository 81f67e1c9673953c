using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Inference.Models;

/// <summary>Ready once every model loaded at startup is loaded; says which are loading or failed.</summary>
public sealed class ModelsReadyHealthCheck(ModelHost models) : IHealthCheck
{
    public const string Name = "models";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var states = models.States().Where(s => s.Model.LoadAtStartup && s.State != ModelState.Unloaded || s.State == ModelState.Failed).ToList();
        var failed = states.Where(s => s.Failure is not null).ToList();
        if (failed.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"failed to load: {string.Join("; ", failed.Select(f => $"{f.Model.Name}: {f.Failure!.Message}"))}", failed[0].Failure));
        }

        var loading = states.Where(s => s.State != ModelState.Ready).Select(s => s.Model.Name).ToList();
        return Task.FromResult(loading.Count > 0
            ? new HealthCheckResult(context.Registration.FailureStatus, $"loading: {string.Join(", ", loading)}")
            : HealthCheckResult.Healthy($"loaded: {string.Join(", ", states.Select(s => $"{s.Model.Name} on {s.Served!.Device}"))}"));
    }
}
