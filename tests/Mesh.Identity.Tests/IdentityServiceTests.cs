using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Tests;

public sealed class IdentityServiceTests : IDisposable
{
    private readonly MeshServiceFactory<IdentityService> _factory = new();

    [Fact]
    public async Task WhoAmI_TenantKey_ReturnsThatPrincipal()
    {
        var client = new V1.Identity.IdentityClient(_factory.CreateChannel());

        var principal = await client.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(TestKeys.Acme));

        Assert.Equal("alice", principal.Id);
        Assert.Equal("acme", principal.TenantId);
        Assert.False(principal.Admin);
    }

    [Fact]
    public async Task WhoAmI_AdminKeyWithTenantHeader_ActsInThatTenant()
    {
        var client = new V1.Identity.IdentityClient(_factory.CreateChannel());

        var principal = await client.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(TestKeys.Admin, tenant: "globex"));

        Assert.True(principal.Admin);
        Assert.Equal("globex", principal.TenantId);
    }

    [Fact]
    public async Task WhoAmI_NoKey_Unauthenticated()
    {
        var client = new V1.Identity.IdentityClient(_factory.CreateChannel());

        var error = await Assert.ThrowsAsync<RpcException>(() => client.WhoAmIAsync(new WhoAmIRequest(), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("authorization", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerReflection_NoKey_ListsTheIdentityService()
    {
        var client = new ServerReflection.ServerReflectionClient(_factory.CreateChannel());
        using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(30));

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name);
        Assert.Contains("mesh.identity.v1.Identity", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    public void Dispose() => _factory.Dispose();
}
