namespace Mesh.Security.Authorization;

/// <summary>Who decides whether a caller may act (<c>Mesh:Authorization</c>).</summary>
public sealed class AuthorizationOptions
{
    public const string SectionName = "Mesh:Authorization";

    /// <summary>
    /// <see cref="AuthorizationMode.Identity"/> (the default): relations and budgets in the
    /// identity service decide. <see cref="AuthorizationMode.Credentials"/>: the credential
    /// alone decides (tenant, token scope); for a service developed or tested on its own.
    /// </summary>
    public AuthorizationMode Mode { get; set; } = AuthorizationMode.Identity;
}

public enum AuthorizationMode
{
    Identity,
    Credentials,
}
