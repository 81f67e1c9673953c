using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Telemetry.V1;
using Mesh.Testing;

namespace Mesh.Security.Tests.Trust;

/// <summary>Each service has its own principal and token, holding only the rights its work needs.</summary>
public sealed class ServiceIdentityTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Fact]
    public async Task IssueServiceToken_ServiceKey_TokenForThatServiceOnly()
    {
        var token = await mesh.ServiceTokenAsync("inference");
        var whoAmI = await mesh.IdentityClient.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(token));

        Assert.Equal(("inference", "system", "service", false), (whoAmI.Id, whoAmI.TenantId, whoAmI.Kind, whoAmI.Admin));
    }

    [Theory]
    [InlineData("not-a-service-key-000000000000000000000")]
    [InlineData(TestKeys.Admin)]
    [InlineData(TestKeys.Acme)]
    public async Task IssueServiceToken_AnythingButAServiceKey_Unauthenticated(string credential)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.TokensClient.IssueServiceTokenAsync(new IssueServiceTokenRequest(), TestCalls.As(credential)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task ServiceKey_PresentedToAnyOtherRpc_Unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.IdentityClient.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(TestKeys.Service("telemetry"))).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    public static readonly TheoryData<string, string, bool> Rights = new()
    {
        { "telemetry", "settle", true },
        { "inference", "settle", false },
        { "agents", "settle", false },
        { "inference", "authorize", true },
        { "telemetry", "publish usage", false },
        { "tools", "publish usage", true },
        { "telemetry", "resolve keys", true },
        { "inference", "reserve", false },
        { "agents", "reserve", true },
        { "tools", "create tenant", false },
        { "telemetry", "rotate keys", false },
    };

    [Theory]
    [MemberData(nameof(Rights))]
    public async Task ServiceToken_HoldsOnlyItsServicesRights(string service, string action, bool allowed)
    {
        var token = await mesh.ServiceTokenAsync(service);

        var status = await StatusOfAsync(() => ActAsync(action, TestCalls.As(token)));

        if (allowed)
        {
            Assert.NotEqual(StatusCode.PermissionDenied, status);
        }
        else
        {
            Assert.True(status is StatusCode.PermissionDenied or StatusCode.Unauthenticated, $"{service} may not {action}, got {status}");
        }
    }

    [Fact]
    public async Task TenantServicePrincipalNamedLikeAMeshService_HoldsNoServiceRight()
    {
        var (_, admin) = await mesh.CreateTenantAsync("imposter");
        await mesh.IdentityClient.CreatePrincipalAsync(new CreatePrincipalRequest { Id = "telemetry", Kind = "service" }, TestCalls.As(admin));
        var key = await mesh.IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = "telemetry" }, TestCalls.As(admin));

        var status = await StatusOfAsync(() => ActAsync("settle", TestCalls.As(key.ApiKey)));

        Assert.Equal(StatusCode.PermissionDenied, status);
    }

    private Task ActAsync(string action, CallOptions options) => action switch
    {
        "settle" => mesh.BudgetsClient.SettleUsageAsync(new SettleUsageRequest(), options).ResponseAsync,
        "authorize" => mesh.PermissionsClient.AuthorizeAsync(new AuthorizeRequest
        {
            Subject = new Subject { TenantId = "acme", PrincipalId = "alice", Kind = "user" }, Object = "tool:calculator", Relation = "invoker",
        }, options).ResponseAsync,
        "publish usage" => mesh.IngestClient.PublishAsync(new PublishRequest(), options).ResponseAsync,
        "resolve keys" => mesh.IdentityClient.AuthenticateApiKeyAsync(new AuthenticateApiKeyRequest { ApiKey = TestKeys.Acme }, options).ResponseAsync,
        "reserve" => mesh.BudgetsClient.ReserveAsync(new ReserveRequest { Subject = new Subject { TenantId = "acme", PrincipalId = "alice", Kind = "user" } }, options).ResponseAsync,
        "create tenant" => mesh.IdentityClient.CreateTenantAsync(new CreateTenantRequest { Id = $"x{Guid.NewGuid():N}"[..12] }, options).ResponseAsync,
        _ => mesh.TokensClient.RotateSigningKeyAsync(new RotateSigningKeyRequest(), options).ResponseAsync,
    };

    private static async Task<StatusCode> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }
}
