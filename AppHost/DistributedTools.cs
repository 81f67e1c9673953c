using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Distributed mode's tools: idempotency records in PostgreSQL (<c>Mesh:Tools:Store=postgres</c>),
/// so a keyed side effect runs once however many tools instances serve the tenant.
/// <c>ConnectionStrings:tools-db</c> points at a database of its own; without it the records go in
/// identity's database (the table names do not collide), on the local server when the AppHost runs
/// one. One replica: a run's sandbox workspace, registered tools, MCP servers and knowledge sets
/// are still kept by the instance that serves it (see README, Tools in distributed mode).
/// </summary>
internal static class DistributedTools
{
    public static void Wire(IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> tools, (string ConnectionString, IResourceBuilder<ExecutableResource>? Server) identityDatabase)
    {
        var connectionString = builder.Configuration.GetConnectionString("tools-db");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = identityDatabase.ConnectionString;
            if (identityDatabase.Server is { } server)
            {
                tools.WaitFor(server);
            }
        }

        tools.WithEnvironment("Mesh__Tools__Store", "postgres")
            .WithEnvironment("ConnectionStrings__tools-db", connectionString);
    }
}
