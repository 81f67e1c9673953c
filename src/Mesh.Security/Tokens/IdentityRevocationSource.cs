using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Tokens;

/// <summary>
/// Identity's list of revoked credentials (KeySet.GetRevocations), fetched again once it is older
/// than <see cref="MeshAuthOptions.ApiKeyCacheDuration"/>: a token minted from a revoked API key is
/// refused within the same few seconds as the key itself. When identity is unreachable the last
/// list stays in force.
/// </summary>
public sealed partial class IdentityRevocationSource(
    KeySet.KeySetClient client,
    IOptions<MeshAuthOptions> options,
    IOptions<MeshGrpcOptions> grpc,
    TimeProvider time,
    ILogger<IdentityRevocationSource> logger) : IRevocationSource, IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile HashSet<string> _revoked = new(StringComparer.Ordinal);
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async ValueTask<bool> IsRevokedAsync(string credentialId, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _fetchedAt >= options.Value.ApiKeyCacheDuration)
        {
            await RefreshAsync(cancellationToken);
        }

        return _revoked.Contains(credentialId);
    }

    public void Dispose() => _refresh.Dispose();

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var requestedAt = time.GetUtcNow();
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_fetchedAt >= requestedAt)
            {
                return; // another call refreshed while this one waited
            }

            var response = await client.GetRevocationsAsync(new GetRevocationsRequest(), deadline: time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken: cancellationToken);
            _revoked = new HashSet<string>(response.Revoked, StringComparer.Ordinal);
            _fetchedAt = time.GetUtcNow();
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            _fetchedAt = time.GetUtcNow();
            LogFetchFailed(logger, ex.Status.Detail);
        }
        finally
        {
            _refresh.Release();
        }
    }

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Could not fetch the revoked credentials from identity: {Reason}; using the last list")]
    private static partial void LogFetchFailed(ILogger logger, string reason);
}
