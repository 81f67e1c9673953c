using Mesh.DevServers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Distributed mode's identity: its state in PostgreSQL, shared by <see cref="Replicas"/>
/// replicas. <c>ConnectionStrings:identity-db</c> points at a real server; without it the
/// AppHost runs Debian's PostgreSQL 15 on 127.0.0.1:15432 with its data in
/// <c>.mesh/postgres</c> (<c>Mesh:Distributed:PostgresPort</c>, <c>PostgresFolder</c>).
/// </summary>
internal static class DistributedIdentity
{
    public const int PostgresPort = 15432;
    public const int Replicas = 2;
    private const string Database = "mesh";

    /// <summary>Wires identity; returns the database (its connection string, and the local server when the AppHost runs one) for others that keep state there.</summary>
    public static (string ConnectionString, IResourceBuilder<ExecutableResource>? Server) Wire(IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> identity)
    {
        IResourceBuilder<ExecutableResource>? localServer = null;
        var connectionString = builder.Configuration.GetConnectionString("identity-db");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (!PostgresCluster.IsInstalled)
            {
                throw new InvalidOperationException(
                    "distributed mode keeps identity in PostgreSQL: install it (apt-get install -y postgresql) or set ConnectionStrings:identity-db");
            }

            var local = builder.Configuration.GetSection(DistributedUsage.SectionName);
            var port = local.GetValue("PostgresPort", PostgresPort);
            var folder = Path.GetFullPath(local["PostgresFolder"] ?? Path.Combine(builder.AppHostDirectory, "..", ".mesh", "postgres"));
            if (builder.ExecutionContext.IsRunMode)
            {
                // initdb on the first run only (a few seconds); the data stays for the next runs.
                PostgresCluster.InitializeAsync(folder, Database, throwaway: false).GetAwaiter().GetResult();
            }

            var (program, arguments) = PostgresCluster.ServerCommand(folder, port);
            const string Ready = "postgres-accepts-connections";
            builder.Services.AddHealthChecks().AddAsyncCheck(Ready, async cancellationToken =>
                await PostgresCluster.IsReadyAsync(port, cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"nothing accepts connections on 127.0.0.1:{port}"));
            var server = builder.AddExecutable("postgres", program, folder, [.. arguments])
                .WithEndpoint(port: port, scheme: "tcp", name: "tcp", isProxied: false)
                .WithHealthCheck(Ready);
            identity.WaitFor(server);
            localServer = server;
            connectionString = PostgresCluster.ConnectionString(port, Database);
        }

        // Replicas share the database; the proxy in front of identity's endpoints spreads calls over them.
        identity.WithEnvironment("Mesh__Identity__Store", "postgres")
            .WithEnvironment("ConnectionStrings__identity-db", connectionString)
            .WithReplicas(Replicas);
        return (connectionString, localServer);
    }
}
