using Grpc.Core;
using Mesh.Metering;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.Options;

namespace Mesh.Security;

/// <summary>The credential a service uses for its own calls (not on behalf of a caller): the bootstrap key.</summary>
public sealed class ServiceCredential(IOptions<ApiKeyOptions> keys, IOptions<UsageOptions> usage) : IServiceCredentials
{
    /// <summary>The <c>authorization</c> metadata value.</summary>
    public string Authorization { get; } = $"Bearer {usage.Value.PublisherApiKey ?? keys.Value.BootstrapApiKey}";

    public Metadata Headers() => new() { { MeshHeaders.Authorization, Authorization } };

    public ValueTask<string> AuthorizationAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Authorization);
}
