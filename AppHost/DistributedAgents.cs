using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Distributed mode's agents: runs in PostgreSQL, shared by <see cref="Replicas"/> replicas that
/// claim runs with leases and fencing tokens. <c>ConnectionStrings:agents-db</c> points at a
/// database of its own; without it the runs' tables go in identity's database (their names do
/// not collide), on the local server when the AppHost runs one.
/// </summary>
internal static class DistributedAgents
{
    public const int Replicas = 2;

    public static void Wire(IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> agents, (string ConnectionString, IResourceBuilder<ExecutableResource>? Server) identityDatabase)
    {
        var connectionString = builder.Configuration.GetConnectionString("agents-db");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = identityDatabase.ConnectionString;
            if (identityDatabase.Server is { } server)
            {
                agents.WaitFor(server);
            }
        }

        agents.WithEnvironment("Mesh__Agents__Runs__Store", "postgres")
            .WithEnvironment("ConnectionStrings__agents-db", connectionString)
            .WithReplicas(Replicas);
    }
}
