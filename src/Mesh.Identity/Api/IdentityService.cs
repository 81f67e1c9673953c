using Grpc.Core;
using Mesh.Identity.Access;
using Mesh.Identity.ApiKeys;
using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.V1;
using Mesh.Security;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Api;

/// <summary>Tenants, principals and API keys.</summary>
public sealed class IdentityService(
    IPrincipalStore principals,
    IRelationStore relations,
    Requester requester,
    ApiKeyIssuer apiKeys,
    ApiKeyVerifier verifier,
    TimeProvider time) : V1.Identity.IdentityBase
{
    public override Task<Principal> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var caller = Requester.Current;
        return Task.FromResult(caller.ToContract(requester.IsTenantAdmin(caller)));
    }

    public override Task<Tenant> CreateTenant(CreateTenantRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        requester.RequireMeshAdmin("create tenants");
        // Everything is validated before anything is written: a bad request stores nothing.
        var id = Names.CustomerTenant(request.Id, "id");
        var admin = string.IsNullOrWhiteSpace(request.AdminUser) ? null : Names.Principal(request.AdminUser, "admin_user");
        var displayName = DisplayName(request.DisplayName, id, "display_name");
        var tenant = new TenantRecord(id, displayName, time.GetUtcNow());
        if (!principals.TryAddTenant(tenant))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"tenant '{id}' already exists"));
        }

        if (admin is not null)
        {
            principals.TryAddPrincipal(new PrincipalRecord(id, admin, PrincipalKind.User, admin, tenant.CreatedAt));
            relations.Write(id, [AdminOf(id, admin)], []);
        }

        return Task.FromResult(tenant.ToContract());
    }

    public override Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
    {
        var caller = Requester.Current;
        var response = new ListTenantsResponse();
        var visible = caller.IsAdmin ? principals.Tenants() : principals.FindTenant(caller.TenantId) is { } own ? [own] : [];
        response.Tenants.AddRange(visible.Select(t => t.ToContract()));
        return Task.FromResult(response);
    }

    public override Task<Principal> CreatePrincipal(CreatePrincipalRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = requester.RequireTenantAdmin("create principals");
        // Everything is validated before anything is written: a bad request stores nothing.
        var id = Names.Principal(request.Id, "id");
        if (!Caller.TryParseKind(request.Kind, out var kind))
        {
            throw MeshErrors.InvalidArgument("kind", $"'{request.Kind}' is not a principal kind; use user, agent or service");
        }

        if (request.TenantAdmin && kind != PrincipalKind.User)
        {
            throw MeshErrors.InvalidArgument("tenant_admin", $"only users can be tenant admins; '{id}' would be a {Caller.KindName(kind)}");
        }

        if (caller.TenantId == Security.Authentication.ApiKeyAuthenticator.SystemTenant)
        {
            throw MeshErrors.FailedPrecondition("the system tenant holds only the mesh's own services; act in a tenant with x-mesh-tenant (mesh --tenant)");
        }

        if (principals.FindTenant(caller.TenantId) is null)
        {
            throw MeshErrors.FailedPrecondition($"tenant '{caller.TenantId}' does not exist; create it first (mesh tenants create {caller.TenantId})");
        }

        var principal = new PrincipalRecord(caller.TenantId, id, kind, DisplayName(request.DisplayName, id, "display_name"), time.GetUtcNow());
        if (!principals.TryAddPrincipal(principal))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"tenant '{caller.TenantId}' already has a principal '{id}'"));
        }

        if (request.TenantAdmin)
        {
            relations.Write(caller.TenantId, [AdminOf(caller.TenantId, id)], []);
        }

        return Task.FromResult(principal.ToContract(request.TenantAdmin));
    }

    public override Task<ListPrincipalsResponse> ListPrincipals(ListPrincipalsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = requester.RequireTenantAdmin("list principals");
        PrincipalKind? kind = null;
        if (!string.IsNullOrWhiteSpace(request.Kind))
        {
            kind = Caller.TryParseKind(request.Kind, out var k) ? k : throw MeshErrors.InvalidArgument("kind", "use user, agent or service");
        }

        var response = new ListPrincipalsResponse();
        response.Principals.AddRange(principals.Principals(caller.TenantId, kind).Select(p => p.ToContract(false)));
        return Task.FromResult(response);
    }

    public override Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context) =>
        Task.FromResult(apiKeys.Create(request));

    public override Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context) =>
        Task.FromResult(apiKeys.List(request));

    public override Task<ApiKeyInfo> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context) =>
        Task.FromResult(apiKeys.Revoke(request));

    public override Task<AuthenticateApiKeyResponse> AuthenticateApiKey(AuthenticateApiKeyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ServiceRights.Require(ServiceRight.AuthenticateKeys, "resolve API keys");
        var result = verifier.Verify(request.ApiKey);
        var response = new AuthenticateApiKeyResponse { Valid = result.Caller is not null, Failure = result.Failure ?? "" };
        if (result.Caller is { } caller)
        {
            response.Principal = caller.ToContract(tenantAdmin: false);
            response.KeyId = caller.CredentialId?["key:".Length..] ?? "";
        }

        return Task.FromResult(response);
    }

    /// <summary>A display name for people: at most 200 characters, no control characters; the id when empty.</summary>
    private static string DisplayName(string? text, string id, string field)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            return id;
        }

        if (value.Length > MaxDisplayName)
        {
            throw MeshErrors.InvalidArgument(field, $"has {value.Length} characters; at most {MaxDisplayName}");
        }

        return CanonicalId.Problem(value) is { } problem ? throw MeshErrors.InvalidArgument(field, problem) : value;
    }

    private const int MaxDisplayName = 200;

    private static RelationTuple AdminOf(string tenant, string user) =>
        new(new ObjectRef(RelationSchema.Tenant, tenant), RelationSchema.Admin, new ObjectRef("user", user));
}
