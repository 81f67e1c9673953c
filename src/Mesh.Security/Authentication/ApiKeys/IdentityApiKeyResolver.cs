using System.Collections.Concurrent;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Authentication.ApiKeys;

/// <summary>
/// Asks identity's <c>AuthenticateApiKey</c> who a key stands for. Confirmed keys are cached
/// for <see cref="MeshAuthOptions.ApiKeyCacheDuration"/> (so a revoked key is refused within
/// it); refusals are never cached, so a key works as soon as it exists.
/// </summary>
public sealed class IdentityApiKeyResolver(
    Identity.V1.Identity.IdentityClient client,
    ServiceCredential credential,
    IOptions<MeshAuthOptions> options,
    TimeProvider time) : IApiKeyResolver
{
    private const int MaxCachedKeys = 10_000;
    private readonly ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    public async ValueTask<AuthenticationResult> ResolveAsync(string apiKey, CancellationToken cancellationToken)
    {
        var digest = Convert.ToHexString(ApiKeyFormat.Digest(apiKey));
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(digest, out var cached) && cached.Until > now)
        {
            return AuthenticationResult.Success(cached.Caller);
        }

        AuthenticateApiKeyResponse response;
        try
        {
            response = await client.AuthenticateApiKeyAsync(new AuthenticateApiKeyRequest { ApiKey = apiKey }, credential.Headers(),
                now.UtcDateTime.AddSeconds(10), cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw MeshErrors.Unavailable("the API key could not be checked: the identity service is unreachable; retry shortly");
        }

        if (!response.Valid)
        {
            _cache.TryRemove(digest, out _);
            return AuthenticationResult.Fail(response.Failure);
        }

        var caller = PrincipalMapping.ToCaller(response.Principal, response.KeyId);
        var ttl = options.Value.ApiKeyCacheDuration;
        if (ttl > TimeSpan.Zero)
        {
            if (_cache.Count >= MaxCachedKeys)
            {
                _cache.Clear();
            }

            _cache[digest] = (caller, now + ttl);
        }

        return AuthenticationResult.Success(caller);
    }
}
