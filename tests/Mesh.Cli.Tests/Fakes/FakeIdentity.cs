using Grpc.Core;
using Mesh.Identity.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>An identity service that knows one key and reports the tenant header back.</summary>
public sealed class FakeIdentity : Mesh.Identity.V1.Identity.IdentityBase
{
    public const string Key = "test-key";

    public override Task<Principal> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("authorization") != $"Bearer {Key}")
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the API key is not valid"));
        }

        return Task.FromResult(new Principal
        {
            Id = "alice",
            DisplayName = "Alice",
            Kind = "user",
            TenantId = context.RequestHeaders.GetValue("x-mesh-tenant") ?? "acme",
        });
    }
}
