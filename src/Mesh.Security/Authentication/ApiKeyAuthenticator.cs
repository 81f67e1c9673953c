using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Authentication;

/// <summary>
/// Authenticates <c>authorization: Bearer &lt;api key&gt;</c> against configured keys. Keys are
/// held only as SHA-256 digests and compared in constant time. The bootstrap key is a person's:
/// a user and admin of the <c>system</c> tenant that may act in any tenant named by
/// <c>x-mesh-tenant</c>; services have credentials of their own (see ServiceRights).
/// </summary>
public sealed class ApiKeyAuthenticator : ICallerAuthenticator
{
    public const string SystemTenant = "system";

    private readonly (byte[] Digest, Caller Caller)[] _keys;

    public ApiKeyAuthenticator(IOptions<ApiKeyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = new List<(byte[], Caller)>();
        if (!string.IsNullOrEmpty(options.Value.BootstrapApiKey))
        {
            keys.Add((Digest(options.Value.BootstrapApiKey), new Caller("bootstrap-admin", SystemTenant, PrincipalKind.User, IsAdmin: true)));
        }

        foreach (var grant in options.Value.ApiKeys)
        {
            keys.Add((Digest(grant.Key), new Caller(grant.Principal, grant.Tenant, grant.Kind, grant.Admin)));
        }

        _keys = [.. keys];
    }

    public ValueTask<AuthenticationResult> AuthenticateAsync(Metadata headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!BearerCredential.TryRead(headers, out var credential, out var failure))
        {
            return Result(AuthenticationResult.Fail(failure));
        }

        return Result(Match(credential, headers.GetValue(MeshHeaders.Tenant)) is { } caller
            ? AuthenticationResult.Success(caller)
            : AuthenticationResult.Fail("the API key is not valid"));
    }

    /// <summary>The caller of a configured key, or null when <paramref name="credential"/> is none of them.</summary>
    public Caller? Match(string credential, string? tenantHeader)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var presented = Digest(credential);
        foreach (var (digest, caller) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, presented))
            {
                return ActAs(caller, tenantHeader);
            }
        }

        return null;
    }

    private static Caller ActAs(Caller caller, string? tenantHeader) =>
        caller.IsAdmin && !string.IsNullOrWhiteSpace(tenantHeader) ? caller with { TenantId = tenantHeader.Trim() } : caller;

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static ValueTask<AuthenticationResult> Result(AuthenticationResult result) => ValueTask.FromResult(result);
}
