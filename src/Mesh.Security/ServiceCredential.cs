using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Security.Authentication;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Security;

/// <summary>A service's own key (<c>Mesh:Service</c>), exchanged at identity for short-lived service tokens.</summary>
public sealed class ServiceCredentialOptions
{
    public const string SectionName = "Mesh:Service";

    /// <summary>The key identity knows as this service's (<c>Mesh:Identity:Services:&lt;name&gt;:Key</c>).</summary>
    public string? Key { get; set; }
}

/// <summary>
/// The credential a service presents for its own calls (publishing usage, asking for decisions,
/// resolving keys): a service token from identity (subject <c>service:&lt;name&gt;</c>, holding only
/// that service's <see cref="ServiceRights"/>), obtained with the service's key and renewed halfway
/// through its life; if identity is briefly away, the current token serves until it expires. A
/// service run alone (<c>Mesh:Authorization:Mode=Credentials</c>) presents the bootstrap key.
/// </summary>
public sealed partial class ServiceCredential(
    global::Mesh.Identity.V1.Tokens.TokensClient tokens,
    IOptions<ServiceCredentialOptions> options,
    IOptions<ApiKeyOptions> keys,
    IOptions<AuthorizationOptions> authorization,
    IOptions<MeshGrpcOptions> grpc,
    MeshServiceInfo service,
    TimeProvider time,
    ILogger<ServiceCredential> logger) : IServiceCredentials, IDisposable
{
    private readonly SemaphoreSlim _renew = new(1, 1);
    private (string Authorization, DateTimeOffset RenewAt, DateTimeOffset ExpiresAt) _current = ("", DateTimeOffset.MinValue, DateTimeOffset.MinValue);

    public async ValueTask<string> AuthorizationAsync(CancellationToken cancellationToken)
    {
        if (authorization.Value.Mode == AuthorizationMode.Credentials)
        {
            return $"Bearer {keys.Value.BootstrapApiKey}";
        }

        var current = _current;
        if (time.GetUtcNow() < current.RenewAt)
        {
            return current.Authorization;
        }

        await _renew.WaitAsync(cancellationToken);
        try
        {
            if (time.GetUtcNow() >= _current.RenewAt)
            {
                await RenewAsync(cancellationToken);
            }

            return _current.Authorization;
        }
        finally
        {
            _renew.Release();
        }
    }

    public void Dispose() => _renew.Dispose();

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var key = options.Value.Key;
        if (string.IsNullOrEmpty(key))
        {
            throw MeshErrors.Unavailable(
                $"{ServiceCredentialOptions.SectionName}:Key is not set: the {service.Name} service has no credential of its own for its calls to other services");
        }

        var now = time.GetUtcNow();
        try
        {
            var headers = new Metadata { { MeshHeaders.Authorization, $"Bearer {key}" } };
            var issued = await tokens.IssueServiceTokenAsync(new IssueServiceTokenRequest(), headers, now.UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
            var expires = issued.ExpiresAt.ToDateTimeOffset();
            _current = ($"Bearer {issued.Token}", now + ((expires - now) / 2), expires);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled && now < _current.ExpiresAt)
        {
            // Identity is away but the current token is still good: use it, try again shortly.
            LogRenewFailed(logger, ex.Status.Detail);
            _current = _current with { RenewAt = now + TimeSpan.FromSeconds(1) };
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw MeshErrors.Unavailable($"the {service.Name} service could not get its service token: identity is unreachable ({ex.Status.Detail}); retry shortly");
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Could not renew the service token ({Reason}); using the current one until it expires")]
    private static partial void LogRenewFailed(ILogger logger, string reason);
}
