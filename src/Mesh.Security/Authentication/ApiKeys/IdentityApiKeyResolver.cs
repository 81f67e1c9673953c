using System.Collections.Concurrent;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Authentication.ApiKeys;

/// <summary>
/// Asks identity's <c>AuthenticateApiKey</c> who a key stands for. Confirmed keys are cached
/// for <see cref="MeshAuthOptions.ApiKeyCacheDuration"/> (so a revoked key is refused within
/// it). Refused keys are remembered by digest for a minute: a key is 256 random bits, so one that
/// was refused cannot start to work later, and trying it again costs no round trip to identity.
/// A new key has a digest never seen before, so it works as soon as it exists.
/// </summary>
public sealed class IdentityApiKeyResolver(
    Identity.V1.Identity.IdentityClient client,
    IServiceCredentials credentials,
    IOptions<MeshAuthOptions> options,
    IOptions<MeshGrpcOptions> grpc,
    TimeProvider time) : IApiKeyResolver
{
    private const int MaxCachedKeys = 10_000;
    private static readonly TimeSpan RefusalMemory = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Failure, DateTimeOffset Until)> _refused = new(StringComparer.Ordinal);

    public async ValueTask<AuthenticationResult> ResolveAsync(string apiKey, CancellationToken cancellationToken)
    {
        var digest = Convert.ToHexString(ApiKeyFormat.Digest(apiKey));
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(digest, out var cached) && cached.Until > now)
        {
            return AuthenticationResult.Success(cached.Caller);
        }

        if (_refused.TryGetValue(digest, out var refusal) && refusal.Until > now)
        {
            return AuthenticationResult.Fail(refusal.Failure);
        }

        AuthenticateApiKeyResponse response;
        try
        {
            var headers = await credentials.HeadersAsync(cancellationToken);
            response = await client.AuthenticateApiKeyAsync(new AuthenticateApiKeyRequest { ApiKey = apiKey }, headers,
                now.UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw MeshErrors.Unavailable("the API key could not be checked: the identity service is unreachable; retry shortly");
        }

        if (!response.Valid)
        {
            _cache.TryRemove(digest, out _);
            if (_refused.Count >= MaxCachedKeys)
            {
                _refused.Clear();
            }

            _refused[digest] = (response.Failure, now + RefusalMemory);
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
