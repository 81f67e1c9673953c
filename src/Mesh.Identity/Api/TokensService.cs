using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Identity.Access;
using Mesh.Identity.Relations;
using Mesh.Identity.Tokens;
using Mesh.Identity.V1;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Api;

/// <summary>
/// Issues tokens: for the caller itself (mesh admins: for any user), optionally with an agent
/// as actor (the subject must be allowed to invoke it), never wider than the caller's scope.
/// </summary>
public sealed class TokensService(TokenIssuer issuer, SigningKeyRing keys, PermissionEngine permissions) : V1.Tokens.TokensBase
{
    public override Task<IssueTokenResponse> IssueToken(IssueTokenRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = Requester.Current;
        var subject = caller.IsAdmin
            ? new Caller(Names.Principal(request.Subject, "subject"), string.IsNullOrEmpty(request.TenantId) ? caller.TenantId : Names.Tenant(request.TenantId, "tenant_id"), PrincipalKind.User, IsAdmin: false)
            : caller;
        if (!caller.IsAdmin && (request.Subject.Length > 0 && request.Subject != caller.PrincipalId || request.TenantId.Length > 0 && request.TenantId != caller.TenantId))
        {
            throw MeshErrors.PermissionDenied("only mesh admins may issue tokens for another subject or tenant");
        }

        var actor = string.IsNullOrWhiteSpace(request.Actor) ? caller.ActorId : Names.Principal(request.Actor, "actor");
        if (caller.ActorId is { } callerActor && actor != callerActor)
        {
            throw MeshErrors.PermissionDenied($"a token acting as agent '{callerActor}' cannot issue tokens for another actor");
        }

        if (actor is not null && request.Actor.Length > 0)
        {
            var check = permissions.Check(DecisionPoint.Subject(subject), new ObjectRef("agent", actor), "invoker");
            if (!check.Allowed)
            {
                throw MeshErrors.PermissionDenied($"cannot issue a token acting as agent '{actor}': {check.Reason}");
            }
        }

        var own = caller.IsAdmin ? AccessScope.Unrestricted : caller.Scope ?? AccessScope.Unrestricted;
        var requested = PrincipalMapping.ToScope(request.Scope);
        if (!own.Contains(requested))
        {
            throw MeshErrors.PermissionDenied("a token's scope cannot be wider than the scope of the credential asking for it");
        }

        var unknown = request.Audiences.Where(a => !TokenOptions.MeshServices.Contains(a)).ToList();
        if (unknown.Count > 0)
        {
            throw MeshErrors.InvalidArgument("audiences", $"unknown services {string.Join(", ", unknown)}; use {string.Join(", ", TokenOptions.MeshServices)}");
        }

        if (request.TtlSeconds < 0)
        {
            throw MeshErrors.InvalidArgument("ttl_seconds", "must be 0 (the default lifetime) or positive");
        }

        var grant = new TokenGrant(subject.PrincipalId, subject.TenantId, subject.Kind, actor, own.Narrow(requested), [.. request.Audiences],
            request.TtlSeconds > 0 ? TimeSpan.FromSeconds(request.TtlSeconds) : null);
        var (token, claims, keyId) = issuer.Issue(grant);
        return Task.FromResult(new IssueTokenResponse { Token = token, ExpiresAt = Timestamp.FromDateTimeOffset(claims.ExpiresAt), KeyId = keyId, TokenId = claims.TokenId });
    }

    public override Task<KeySetResponse> RotateSigningKey(RotateSigningKeyRequest request, ServerCallContext context)
    {
        Requester.RequireMeshAdmin("rotate signing keys");
        keys.Rotate();
        return Task.FromResult(KeySetService.Describe(keys));
    }
}
