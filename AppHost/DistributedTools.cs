using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Distributed mode's tools: idempotency records and knowledge sets in PostgreSQL
/// (<c>Mesh:Tools:Store=postgres</c>), so a keyed side effect runs once and a set is the same
/// however many tools instances serve the tenant. <c>ConnectionStrings:tools-db</c> points at a
/// database of its own; without it they go in identity's database (the table names do not collide),
/// on the local server when the AppHost runs one. One replica: a run's sandbox workspace (files on
/// the instance's disk), registered tools, MCP servers and HTTP allow-lists are still the instance's
/// own (see README, Tools in distributed mode).
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
