using Grpc.Core;
using Mesh.Identity.Api;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Tests;

/// <summary>The identity service in memory on a database of its own, with helpers to set up tenants and keys.</summary>
public sealed class IdentityHost : IDisposable
{
    private readonly string _directory;
    private readonly bool _ownsDirectory;

    /// <summary>A host on a new database, or on the one in <paramref name="directory"/> (left in place on dispose).</summary>
    public IdentityHost(string? directory = null, string? keyEncryptionKey = null)
    {
        _ownsDirectory = directory is null;
        _directory = directory ?? NewDirectory();
        Factory = new MeshServiceFactory<IdentityService>()
            .WithSetting("Mesh:Identity:DatabasePath", DatabasePath(_directory))
            .WithSetting("Mesh:Identity:Tokens:KeyEncryptionKey", keyEncryptionKey);
        Channel = Factory.CreateChannel();
    }

    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), $"mesh-identity-{Guid.NewGuid():N}");

    public static string DatabasePath(string directory) => Path.Combine(directory, "identity.db");

    public MeshServiceFactory<IdentityService> Factory { get; }

    public Grpc.Net.Client.GrpcChannel Channel { get; }

    public V1.Identity.IdentityClient Identity => new(Channel);

    public Permissions.PermissionsClient Permissions => new(Channel);

    public V1.Budgets.BudgetsClient Budgets => new(Channel);

    public V1.Tokens.TokensClient Tokens => new(Channel);

    public KeySet.KeySetClient KeySet => new(Channel);

    /// <summary>Creates a tenant whose admin user is <c>admin</c> and returns the admin's key.</summary>
    public async Task<string> CreateTenantAsync(string tenant)
    {
        await Identity.CreateTenantAsync(new CreateTenantRequest { Id = tenant, AdminUser = "admin" }, TestCalls.As(TestKeys.Admin));
        var key = await Identity.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = "admin", Name = "admin" }, TestCalls.As(TestKeys.Admin, tenant));
        return key.ApiKey;
    }

    /// <summary>Creates a principal in the tenant of <paramref name="adminKey"/> and returns a key for it.</summary>
    public async Task<string> CreatePrincipalAsync(string adminKey, string id, string kind = "user", CredentialScope? scope = null)
    {
        await Identity.CreatePrincipalAsync(new CreatePrincipalRequest { Id = id, Kind = kind }, TestCalls.As(adminKey));
        var key = await Identity.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = id, Scope = scope ?? new CredentialScope() }, TestCalls.As(adminKey));
        return key.ApiKey;
    }

    public static CallOptions As(string credential) => TestCalls.As(credential);

    public void Dispose()
    {
        Channel.Dispose();
        Factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_ownsDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still open on a slow teardown; the temp directory is cleaned by the OS
        }
    }
}
