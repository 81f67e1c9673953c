using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Security.Tests.Trust;

/// <summary>Trying bad credentials is cheap for Mesh to refuse, and every refusal is audited.</summary>
public sealed class ProbeCostTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private const string BadKey = "mesh_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    [Fact]
    public async Task InvokeTool_SameBadApiKeyFiftyTimes_AsksIdentityOnce()
    {
        var counter = new CountingHandler();
        using var tools = new MeshServiceFactory<ToolsService>()
            .WithSetting("Mesh:Authorization:Mode", "Identity")
            .WithServices(services =>
            {
                services.AddHttpClient(nameof(Identity.V1.Identity.IdentityClient)).ConfigurePrimaryHttpMessageHandler(() => counter.Over(mesh.Identity.Server.CreateHandler()));
                services.AddHttpClient(nameof(Identity.V1.Tokens.TokensClient)).ConfigurePrimaryHttpMessageHandler(() => mesh.Identity.Server.CreateHandler());
            });
        var client = new Tools.V1.Tools.ToolsClient(tools.CreateChannel());

        for (var i = 0; i < 50; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.ListToolsAsync(new ListToolsRequest(), TestCalls.As(BadKey)).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        }

        Assert.Equal(1, counter.Requests);
    }

    [Fact]
    public async Task ListTools_MalformedKeysAndForgedTokens_RefusedLocallyAndAuditedAsOneCountedEvent()
    {
        var method = "/mesh.tools.v1.Tools/ListTools";
        for (var i = 0; i < 30; i++)
        {
            await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.ListToolsAsync(new ListToolsRequest(), TestCalls.As($"not-a-key-{i}")).ResponseAsync);
        }

        var audits = await DelegationTests.WaitForAsync(() =>
        {
            var found = mesh.Tools.Usage.Events.Where(e => e.Kind == UsageKind.Audit && e.Resource == "authentication" && e.Attributes["method"] == method).ToList();
            return found.Sum(e => int.Parse(e.Attributes["count"], System.Globalization.CultureInfo.InvariantCulture)) >= 30 ? found : null;
        });

        Assert.True(audits.Count < 30, "failures are counted into few events, not one event each");
        Assert.All(audits, e => Assert.Equal(("system", UsageStatus.Denied), (e.TenantId, e.Status)));
    }

    private sealed class CountingHandler
    {
        private int _requests;

        public int Requests => _requests;

        public HttpMessageHandler Over(HttpMessageHandler inner) => new Counting(this) { InnerHandler = inner };

        private sealed class Counting(CountingHandler owner) : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner._requests);
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
