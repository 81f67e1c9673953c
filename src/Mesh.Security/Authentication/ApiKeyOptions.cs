using System.ComponentModel.DataAnnotations;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authentication;

/// <summary>API keys the mesh accepts, bound from the <c>Mesh</c> configuration section.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "Mesh";

    /// <summary>An admin key for development and bootstrapping (<c>Mesh:BootstrapApiKey</c>).</summary>
    public string? BootstrapApiKey { get; set; }

    /// <summary>Tenant-scoped keys (<c>Mesh:ApiKeys:N:Key</c>, <c>Tenant</c>, <c>Principal</c>).</summary>
    public IList<ApiKeyGrant> ApiKeys { get; } = [];
}

public sealed class ApiKeyGrant
{
    [Required, MinLength(16)]
    public string Key { get; set; } = "";

    [Required]
    public string Tenant { get; set; } = "";

    [Required]
    public string Principal { get; set; } = "";

    public PrincipalKind Kind { get; set; } = PrincipalKind.User;

    public bool Admin { get; set; }
}
