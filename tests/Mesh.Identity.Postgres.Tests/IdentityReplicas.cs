using Grpc.Net.Client;
using Mesh.Identity.Api;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Postgres.Tests;

/// <summary>Two identity services in memory on one PostgreSQL database: two replicas, as distributed mode runs them.</summary>
public sealed class IdentityReplicas : IDisposable
{
    private readonly List<(MeshServiceFactory<IdentityService> Factory, GrpcChannel Channel)> _replicas = [];

    public IdentityReplicas(string connectionString)
    {
        for (var i = 0; i < 2; i++)
        {
            var factory = new MeshServiceFactory<IdentityService>()
                .WithSetting("Mesh:Identity:Store", "postgres")
                .WithSetting("ConnectionStrings:identity-db", connectionString);
            _replicas.Add((factory, factory.CreateChannel()));
        }
    }

    public Replica A => new(_replicas[0].Channel);

    public Replica B => new(_replicas[1].Channel);

    public Replica this[int index] => new(_replicas[index % _replicas.Count].Channel);

    /// <summary>A plain HTTP client of replica <paramref name="index"/> (health endpoints).</summary>
    public HttpClient Http(int index) => _replicas[index].Factory.CreateClient();

    /// <summary>Creates a tenant (on replica A) whose admin user is <c>admin</c>; returns the admin's key.</summary>
    public async Task<string> CreateTenantAsync(string tenant)
    {
        await A.Identity.CreateTenantAsync(new CreateTenantRequest { Id = tenant, AdminUser = "admin" }, TestCalls.As(TestKeys.Admin));
        return (await A.Identity.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = "admin", Name = "admin" }, TestCalls.As(TestKeys.Admin, tenant))).ApiKey;
    }

    /// <summary>Creates a user in the tenant of <paramref name="adminKey"/> (on replica B); returns a key for it.</summary>
    public async Task<string> CreateUserAsync(string adminKey, string id)
    {
        await B.Identity.CreatePrincipalAsync(new CreatePrincipalRequest { Id = id, Kind = "user" }, TestCalls.As(adminKey));
        return (await B.Identity.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = id }, TestCalls.As(adminKey))).ApiKey;
    }

    public void Dispose()
    {
        foreach (var (factory, channel) in _replicas)
        {
            channel.Dispose();
            factory.Dispose();
        }
    }

    public sealed record Replica(GrpcChannel Channel)
    {
        public V1.Identity.IdentityClient Identity => new(Channel);

        public Permissions.PermissionsClient Permissions => new(Channel);

        public V1.Budgets.BudgetsClient Budgets => new(Channel);

        public V1.Tokens.TokensClient Tokens => new(Channel);
    }
}
