using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Identity.Access;
using Mesh.Identity.Relations;
using Mesh.Identity.Tokens;
using Mesh.Identity.V1;
using Mesh.Security;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Api;

/// <summary>
/// Issues tokens. A token is minted from an API key (the caller's own; mesh admins: for any
/// user), or by the agents service for the caller of a run, with the agent as actor. A token
/// never mints a token, and a minted token is never wider in scope or audience than the
/// credential behind it, never outlives it, and names it as its source so it dies with its
/// revocation. Services exchange their service keys for their own tokens here too.
/// </summary>
public sealed class TokensService(
    TokenIssuer issuer,
    SigningKeyRing keys,
    PermissionEngine permissions,
    Requester requester,
    MintSources sources,
    ServiceKeys serviceKeys,
    IOptions<TokenOptions> tokenOptions,
    IOptions<ServiceKeyOptions> serviceOptions) : V1.Tokens.TokensBase
{
    public override async Task<IssueTokenResponse> IssueToken(IssueTokenRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Requester.Current;
        var lifetime = Lifetime(request.TtlSeconds);
        var audiences = KnownAudiences(request.Audiences);
        MintSource source;
        if (request.OnBehalfOf.Length > 0)
        {
            var service = ServiceRights.Require(ServiceRight.IssueRunTokens, "mint tokens for the callers of runs");
            if (string.IsNullOrWhiteSpace(request.Actor))
            {
                throw MeshErrors.InvalidArgument("actor", "a run's token must name the agent acting for its caller");
            }

            source = await sources.OfCredentialAsync(request.OnBehalfOf, service.PrincipalId, context.CancellationToken);
            if (source.Caller.IsAdmin)
            {
                throw MeshErrors.FailedPrecondition("mesh admins run agents with their own credential; no run token is minted for them");
            }
        }
        else
        {
            requester.RefuseTokens(caller, "mint a token");
            source = MintSources.Of(caller);
        }

        var subject = Subject(source.Caller, request);
        var actor = Actor(source.Caller, subject, request.Actor);
        var own = subject.IsAdmin ? AccessScope.Unrestricted : source.Caller.Scope ?? AccessScope.Unrestricted;
        var requested = PrincipalMapping.ToScope(Canonical(request.Scope));
        if (!own.Contains(requested))
        {
            throw MeshErrors.PermissionDenied("a token's scope cannot be wider than the scope of the credential it is minted from");
        }

        if (source.Audiences is { } allowed)
        {
            var wider = (audiences.Count > 0 ? audiences : TokenOptions.MeshServices).Except(allowed, StringComparer.Ordinal).ToList();
            if (audiences.Count == 0)
            {
                audiences = [.. allowed];
            }
            else if (wider.Count > 0)
            {
                throw MeshErrors.PermissionDenied(
                    $"a token cannot reach services its source credential cannot ({string.Join(", ", wider)}); the source is for {string.Join(", ", allowed)} only");
            }
        }

        var grant = new TokenGrant(subject.PrincipalId, subject.TenantId, subject.Kind, actor, own.Narrow(requested), audiences, lifetime)
        {
            NotAfter = source.ExpiresAt,
            Source = source.Source,
        };
        var (token, claims, keyId) = issuer.Issue(grant);
        return new IssueTokenResponse { Token = token, ExpiresAt = Timestamp.FromDateTimeOffset(claims.ExpiresAt), KeyId = keyId, TokenId = claims.TokenId };
    }

    /// <summary>A Mesh service exchanges its service key (the bearer credential) for a short-lived service token.</summary>
    public override Task<IssueTokenResponse> IssueServiceToken(IssueServiceTokenRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!BearerCredential.TryRead(context.RequestHeaders, out var credential, out var failure))
        {
            throw MeshErrors.Unauthenticated(failure);
        }

        var service = serviceKeys.Match(credential)
            ?? throw MeshErrors.Unauthenticated("not a service key known to identity: set Mesh:Service:Key to the key identity has under Mesh:Identity:Services:<service>:Key");
        var grant = new TokenGrant(service, ApiKeyAuthenticator.SystemTenant, PrincipalKind.Service, null, AccessScope.Unrestricted, TokenOptions.MeshServices,
            serviceOptions.Value.ServiceTokenLifetime);
        var (token, claims, keyId) = issuer.Issue(grant);
        return Task.FromResult(new IssueTokenResponse { Token = token, ExpiresAt = Timestamp.FromDateTimeOffset(claims.ExpiresAt), KeyId = keyId, TokenId = claims.TokenId });
    }

    public override Task<KeySetResponse> RotateSigningKey(RotateSigningKeyRequest request, ServerCallContext context)
    {
        requester.RequireMeshAdmin("rotate signing keys");
        keys.Rotate();
        return Task.FromResult(KeySetService.Describe(keys));
    }

    /// <summary>The token's subject: the source's caller; mesh admins may name any user of any tenant.</summary>
    private static Caller Subject(Caller source, IssueTokenRequest request)
    {
        if (source.IsAdmin)
        {
            var tenant = string.IsNullOrEmpty(request.TenantId) ? source.TenantId : Names.Tenant(request.TenantId, "tenant_id");
            return new Caller(Names.Principal(request.Subject, "subject"), tenant, PrincipalKind.User, IsAdmin: false);
        }

        if (request.Subject.Length > 0 && Names.Principal(request.Subject, "subject") != source.PrincipalId
            || request.TenantId.Length > 0 && !string.Equals(request.TenantId.Trim(), source.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            throw MeshErrors.PermissionDenied("only mesh admins may issue tokens for another subject or tenant");
        }

        return source;
    }

    /// <summary>The actor: the one asked for (the subject must be allowed to invoke it), never another than the source's own.</summary>
    private string? Actor(Caller source, Caller subject, string requested)
    {
        var actor = string.IsNullOrWhiteSpace(requested) ? source.ActorId : Names.Principal(requested, "actor");
        if (source.ActorId is { } sourceActor && actor != sourceActor)
        {
            throw MeshErrors.PermissionDenied($"a credential acting as agent '{sourceActor}' cannot issue tokens for another actor");
        }

        if (actor is not null && requested.Length > 0)
        {
            var check = permissions.Check(DecisionPoint.Subject(subject), new ObjectRef("agent", actor), "invoker");
            if (!check.Allowed)
            {
                throw MeshErrors.PermissionDenied($"cannot issue a token acting as agent '{actor}': {check.Reason}");
            }
        }

        return actor;
    }

    private TimeSpan? Lifetime(long ttlSeconds)
    {
        var max = tokenOptions.Value.MaxLifetime;
        if (ttlSeconds < 0 || ttlSeconds > max.TotalSeconds)
        {
            throw MeshErrors.InvalidArgument("ttl_seconds", $"is {ttlSeconds}; give 0 (the default lifetime) up to {(long)max.TotalSeconds} seconds");
        }

        return ttlSeconds > 0 ? TimeSpan.FromSeconds(ttlSeconds) : null;
    }

    private static List<string> KnownAudiences(IEnumerable<string> requested)
    {
        var audiences = requested.Select(a => a.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var unknown = audiences.Where(a => !TokenOptions.MeshServices.Contains(a)).ToList();
        return unknown.Count == 0 ? audiences
            : throw MeshErrors.InvalidArgument("audiences", $"unknown services {string.Join(", ", unknown)}; use {string.Join(", ", TokenOptions.MeshServices)}");
    }

    private static CredentialScope Canonical(CredentialScope? scope)
    {
        var canonical = new CredentialScope { RunId = scope?.RunId ?? "" };
        if (scope is not null)
        {
            canonical.Tools.AddRange(scope.Tools.Select(Security.Authorization.CanonicalId.Of));
            canonical.Models.AddRange(scope.Models.Select(Security.Authorization.CanonicalId.Of));
            canonical.Agents.AddRange(scope.Agents.Select(Security.Authorization.CanonicalId.Of));
        }

        return canonical;
    }
}
