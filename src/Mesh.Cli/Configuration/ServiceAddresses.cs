namespace Mesh.Cli.Configuration;

/// <summary>
/// Resolves a service's address: the <c>--&lt;service&gt;-url</c> option, then
/// <c>MESH_&lt;SERVICE&gt;_URL</c>, then Aspire's <c>services__&lt;service&gt;__http__0</c>, then the default.
/// </summary>
public static class ServiceAddresses
{
    public static Uri Resolve(MeshService service, string? optionValue, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(optionValue))
        {
            return Parse(optionValue, $"--{MeshServices.Name(service)}-url");
        }

        foreach (var variable in new[] { MeshServices.UrlVariable(service), MeshServices.AspireVariable(service) })
        {
            var value = environment(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return Parse(value, variable);
            }
        }

        return MeshServices.DefaultAddress(service);
    }

    /// <summary>Parses an http:// or https:// address, saying where a bad one came from.</summary>
    public static Uri Parse(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        throw new CliUsageException(
            $"{source} is '{value}', which is not an address; use e.g. http://127.0.0.1:5104");
    }
}
