using Grpc.Core;
using Microsoft.Extensions.Options;
using Mesh.ServiceDefaults.Usage;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>The credential a service uses for its own calls (not on behalf of a caller): the bootstrap key.</summary>
public sealed class ServiceCredential(IOptions<ApiKeyOptions> keys, IOptions<UsageOptions> usage)
{
    public Metadata Headers() => new()
    {
        { MeshHeaders.Authorization, $"Bearer {usage.Value.PublisherApiKey ?? keys.Value.BootstrapApiKey}" },
    };
}
