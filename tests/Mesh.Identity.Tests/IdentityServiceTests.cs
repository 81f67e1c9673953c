using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Tests;

public sealed class IdentityServiceTests : IDisposable
{
    private readonly IdentityHost _host = new();

    [Fact]
    public async Task WhoAmI_TenantKey_ReturnsThatPrincipal()
    {
        var principal = await _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(TestKeys.Acme));

        Assert.Equal("alice", principal.Id);
        Assert.Equal("acme", principal.TenantId);
        Assert.False(principal.Admin);
    }

    [Fact]
    public async Task WhoAmI_AdminKeyWithTenantHeader_ActsInThatTenant()
    {
        var principal = await _host.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(TestKeys.Admin, tenant: "globex"));

        Assert.True(principal.Admin);
        Assert.Equal("globex", principal.TenantId);
    }

    [Fact]
    public async Task WhoAmI_NoKey_Unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Identity.WhoAmIAsync(new WhoAmIRequest(), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("authorization", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerReflection_NoKey_ListsTheIdentityServices()
    {
        var client = new ServerReflection.ServerReflectionClient(_host.Channel);
        using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(30));

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("mesh.identity.v1.Identity", services);
        Assert.Contains("mesh.identity.v1.Permissions", services);
        Assert.Contains("mesh.identity.v1.Budgets", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    public void Dispose() => _host.Dispose();
}
