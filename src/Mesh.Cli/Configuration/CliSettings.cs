namespace Mesh.Cli.Configuration;

/// <summary>The resolved global settings of one invocation.</summary>
public sealed record CliSettings(
    bool Json,
    string? ApiKey,
    string? Tenant,
    TimeSpan Timeout,
    IReadOnlyDictionary<MeshService, Uri> Addresses)
{
    public Uri AddressOf(MeshService service) => Addresses[service];
}
