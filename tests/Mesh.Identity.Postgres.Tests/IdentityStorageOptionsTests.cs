using Mesh.Identity.Api;
using Mesh.Identity.Storage;
using Mesh.Testing;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Postgres.Tests;

public sealed class IdentityStorageOptionsTests
{
    [Fact]
    public void Problems_Defaults_NoneAndSqlite()
    {
        var options = new IdentityStorageOptions();

        Assert.Empty(options.Problems());
        Assert.False(options.UsesPostgres);
    }

    [Fact]
    public void Problems_UnknownStore_NamesTheChoices()
    {
        var problem = Assert.Single(new IdentityStorageOptions { Store = "mysql" }.Problems());

        Assert.Contains("Mesh:Identity:Store must be sqlite or postgres, not 'mysql'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_PostgresWithoutConnectionString_NamesTheSetting()
    {
        var problem = Assert.Single(new IdentityStorageOptions { Store = "postgres" }.Problems());

        Assert.Contains("ConnectionStrings:identity-db", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_PostgresConnectionStringMissingHostDatabaseAndUser_NamesEach()
    {
        var problems = new IdentityStorageOptions { Store = "Postgres", ConnectionString = "Password=secret" }.Problems().ToList();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("must name a Host", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("must name a Database", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("must name a Username", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_PostgresConnectionStringWithUnknownKey_SaysItIsNotValid()
    {
        var problem = Assert.Single(new IdentityStorageOptions { Store = "postgres", ConnectionString = "Host=db;Colour=blue" }.Problems());

        Assert.Contains("is not a valid PostgreSQL connection string", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_PostgresStoreWithoutConnectionString_FailsNamingTheSetting()
    {
        using var factory = new MeshServiceFactory<IdentityService>().WithSetting("Mesh:Identity:Store", "postgres");

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("ConnectionStrings:identity-db", error.Message, StringComparison.Ordinal);
    }
}
