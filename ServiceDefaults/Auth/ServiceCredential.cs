using Grpc.Core;
using Mesh.ServiceDefaults.Usage;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>The credential a service uses for its own calls (not on behalf of a caller): the bootstrap key.</summary>
public sealed class ServiceCredential(IOptions<ApiKeyOptions> keys, IOptions<UsageOptions> usage)
{
    /// <summary>The <c>authorization</c> metadata value.</summary>
    public string Authorization { get; } = $"Bearer {usage.Value.PublisherApiKey ?? keys.Value.BootstrapApiKey}";

    public Metadata Headers() => new() { { MeshHeaders.Authorization, Authorization } };
}
