using Grpc.Core;

namespace Mesh.ServiceDefaults.Calls;

/// <summary>The credential a service presents for its own calls to other services (not on behalf of a caller).</summary>
public interface IServiceCredentials
{
    /// <summary>The <c>authorization</c> metadata value of the service's current credential.</summary>
    ValueTask<string> AuthorizationAsync(CancellationToken cancellationToken);
}

public static class ServiceCredentialsExtensions
{
    /// <summary>Metadata carrying the service's credential.</summary>
    public static async ValueTask<Metadata> HeadersAsync(this IServiceCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new Metadata { { MeshHeaders.Authorization, await credentials.AuthorizationAsync(cancellationToken) } };
    }
}
