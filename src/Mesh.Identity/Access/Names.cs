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

    public static string Principal(string? id, string field)
    {
        var value = id?.Trim() ?? "";
        return PrincipalPattern().IsMatch(value) ? value
            : throw MeshErrors.InvalidArgument(field, "must be 1-128 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex TenantPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")]
    private static partial Regex PrincipalPattern();
}
