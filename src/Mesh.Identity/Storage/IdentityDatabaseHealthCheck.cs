using Mesh.Identity.Storage.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Mesh.Identity.Storage;

/// <summary>
/// <c>/health</c> reports identity unhealthy while its shared PostgreSQL database does not
/// answer, so an orchestrator or proxy stops sending it calls it cannot decide. SQLite is in
/// process and always answers.
/// </summary>
internal sealed class IdentityDatabaseHealthCheck(IServiceProvider services, IOptions<IdentityStorageOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.UsesPostgres)
        {
            return HealthCheckResult.Healthy("SQLite");
        }

        try
        {
            await services.GetRequiredService<PostgresDatabase>().PingAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL");
        }
        catch (NpgsqlException ex)
        {
            return HealthCheckResult.Unhealthy("the identity database (PostgreSQL) does not answer", ex);
        }
    }
}
