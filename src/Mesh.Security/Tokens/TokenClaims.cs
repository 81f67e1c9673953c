using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Tokens;

/// <summary>What a Mesh token asserts. Subject: the user; actor: the agent acting for it.</summary>
public sealed record TokenClaims
{
    public required string Issuer { get; init; }

    public required string Subject { get; init; }

    public required string TenantId { get; init; }

    public PrincipalKind Kind { get; init; } = PrincipalKind.User;

    /// <summary>The agent acting for the subject (<c>act.sub</c>), or null.</summary>
    public string? Actor { get; init; }

    public required IReadOnlyList<string> Audiences { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required string TokenId { get; init; }

    public AccessScope Scope { get; init; } = AccessScope.Unrestricted;

    /// <summary>
    /// The credential the token was minted from (<c>key:&lt;id&gt;</c>, inherited through every token
    /// minted from it): when it is revoked, the token is refused too. Null for configured keys.
    /// </summary>
    public string? Source { get; init; }

    /// <summary>The caller this token stands for: never a mesh admin, always within its scope.</summary>
    public Caller ToCaller() => new(Subject, TenantId, Kind, IsAdmin: false)
    {
        ActorId = Actor,
        Scope = Scope.IsUnrestricted ? null : Scope,
        CredentialId = $"token:{TokenId}",
        ExpiresAt = ExpiresAt,
        Source = Source,
    };
}
