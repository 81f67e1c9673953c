using Google.Protobuf.WellKnownTypes;
using Mesh.Identity.ApiKeys;
using Mesh.Identity.Principals;
using Mesh.Identity.V1;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Api;

/// <summary>Records to contract messages.</summary>
internal static class ContractMapping
{
    public static Tenant ToContract(this TenantRecord tenant) => new()
    {
        Id = tenant.Id,
        DisplayName = tenant.DisplayName,
        CreatedAt = Timestamp.FromDateTimeOffset(tenant.CreatedAt),
    };

    public static Principal ToContract(this PrincipalRecord principal, bool tenantAdmin) => new()
    {
        Id = principal.Id,
        TenantId = principal.TenantId,
        Kind = Caller.KindName(principal.Kind),
        DisplayName = principal.DisplayName,
        CreatedAt = Timestamp.FromDateTimeOffset(principal.CreatedAt),
        TenantAdmin = tenantAdmin,
        Scope = new CredentialScope(),
    };

    public static Principal ToContract(this Caller caller, bool tenantAdmin) => new()
    {
        Id = caller.PrincipalId,
        TenantId = caller.TenantId,
        Kind = Caller.KindName(caller.Kind),
        Admin = caller.IsAdmin,
        DisplayName = caller.PrincipalId,
        ActorId = caller.ActorId ?? "",
        Scope = PrincipalMapping.ToContract(caller.Scope),
        TenantAdmin = tenantAdmin,
    };

    public static ApiKeyInfo ToContract(this ApiKeyRecord key)
    {
        var info = new ApiKeyInfo
        {
            KeyId = key.KeyId,
            TenantId = key.TenantId,
            PrincipalId = key.PrincipalId,
            Name = key.Name,
            Scope = PrincipalMapping.ToContract(key.Scope),
            CreatedAt = Timestamp.FromDateTimeOffset(key.CreatedAt),
        };
        if (key.ExpiresAt is { } expires)
        {
            info.ExpiresAt = Timestamp.FromDateTimeOffset(expires);
        }

        if (key.RevokedAt is { } revoked)
        {
            info.RevokedAt = Timestamp.FromDateTimeOffset(revoked);
        }

        return info;
    }
}
