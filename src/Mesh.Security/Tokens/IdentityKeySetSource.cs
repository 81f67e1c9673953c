using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Tokens;

/// <summary>
/// The key set fetched from identity's <c>KeySet.GetKeySet</c> and cached: fetched again every
/// <see cref="MeshAuthOptions.KeySetRefreshInterval"/>, and at once (at most every
/// <see cref="MeshAuthOptions.UnknownKeyRefreshInterval"/>) when a token names a key it lacks,
/// so rotation needs no restart. If identity is unreachable the cached keys go on working.
/// </summary>
public sealed partial class IdentityKeySetSource(
    KeySet.KeySetClient client,
    IOptions<MeshAuthOptions> options,
    IOptions<Mesh.ServiceDefaults.Grpc.MeshGrpcOptions> grpc,
    TimeProvider time,
    ILogger<IdentityKeySetSource> logger) : IKeySetSource, IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Dictionary<string, VerificationKey> _keys = [];
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async ValueTask<VerificationKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        var known = _keys.GetValueOrDefault(keyId);
        if (known is not null && now - _fetchedAt < settings.KeySetRefreshInterval)
        {
            return Usable(known, now);
        }

        if (known is null && now - _fetchedAt < settings.UnknownKeyRefreshInterval)
        {
            return null;
        }

        await RefreshAsync(now, cancellationToken);
        return _keys.GetValueOrDefault(keyId) is { } key ? Usable(key, time.GetUtcNow()) : null;
    }

    public void Dispose()
    {
        _refresh.Dispose();
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    private static VerificationKey? Usable(VerificationKey key, DateTimeOffset now) => key.RetiresAt is { } retires && retires < now ? null : key;

    private async Task RefreshAsync(DateTimeOffset requestedAt, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_fetchedAt > requestedAt)
            {
                return; // another call refreshed while this one waited
            }

            var response = await client.GetKeySetAsync(new GetKeySetRequest(), deadline: time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken: cancellationToken);
            var previous = _keys;
            _keys = response.Keys.ToDictionary(
                k => k.KeyId,
                k => previous.GetValueOrDefault(k.KeyId) ?? VerificationKey.FromJwk(k.KeyId, k.X, k.Y, k.RetiresAt?.ToDateTimeOffset()),
                StringComparer.Ordinal);
            _fetchedAt = time.GetUtcNow();
            LogFetched(logger, _keys.Count);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            _fetchedAt = time.GetUtcNow(); // keep the cached keys; try again after the interval
            LogFetchFailed(logger, ex.Status.Detail);
        }
        finally
        {
            _refresh.Release();
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Fetched {Count} token signing keys from identity")]
    private static partial void LogFetched(ILogger logger, int count);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Could not fetch the token key set from identity: {Reason}; using the cached keys")]
    private static partial void LogFetchFailed(ILogger logger, string reason);
}
