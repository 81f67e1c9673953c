using System.Text.RegularExpressions;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Access;

/// <summary>Validation of tenant and principal ids.</summary>
public static partial class Names
{
    public static string Tenant(string? id, string field)
    {
        var value = id?.Trim().ToLowerInvariant() ?? "";
        return TenantPattern().IsMatch(value) ? value
            : throw MeshErrors.InvalidArgument(field, "must be 2-63 lowercase letters, digits or '-', starting with a letter or digit");
    }

    /// <summary>A principal id in its canonical (lower case) form: <c>Alice</c> and <c>alice</c> are one principal.</summary>
    public static string Principal(string? id, string field)
    {
        var value = id?.Trim().ToLowerInvariant() ?? "";
        return PrincipalPattern().IsMatch(value) ? value
            : throw MeshErrors.InvalidArgument(field, "must be 1-128 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
    }

    /// <summary>A tenant id that is not the mesh's own <c>system</c> tenant, which holds the Mesh services.</summary>
    public static string CustomerTenant(string? id, string field)
    {
        var value = Tenant(id, field);
        return value == Security.Authentication.ApiKeyAuthenticator.SystemTenant
            ? throw MeshErrors.InvalidArgument(field, $"'{value}' is reserved for the mesh's own services; choose another tenant id")
            : value;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex TenantPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9._@-]{0,127}$")]
    private static partial Regex PrincipalPattern();
}
