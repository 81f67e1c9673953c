namespace Mesh.Cli.Configuration;

/// <summary>The Mesh services the command line talks to.</summary>
public enum MeshService
{
    Identity,
    Inference,
    Tools,
    Agents,
    Telemetry,
}

/// <summary>Names, environment variables and default addresses of the Mesh services.</summary>
public static class MeshServices
{
    public static IReadOnlyList<MeshService> All { get; } = Enum.GetValues<MeshService>();

    /// <summary>The service's name as used in options (<c>--agents-url</c>) and Aspire configuration.</summary>
    public static string Name(MeshService service) => service switch
    {
        MeshService.Identity => "identity",
        MeshService.Inference => "inference",
        MeshService.Tools => "tools",
        MeshService.Agents => "agents",
        MeshService.Telemetry => "telemetry",
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "unknown Mesh service"),
    };

    /// <summary>The environment variable naming the service's address, e.g. <c>MESH_AGENTS_URL</c>.</summary>
    public static string UrlVariable(MeshService service) => $"MESH_{Name(service).ToUpperInvariant()}_URL";

    /// <summary>The variable Aspire sets for a referenced service, e.g. <c>services__agents__http__0</c>.</summary>
    public static string AspireVariable(MeshService service) => $"services__{Name(service)}__http__0";

    /// <summary>The address a service listens on when run alone on this machine.</summary>
    public static Uri DefaultAddress(MeshService service) => service switch
    {
        MeshService.Identity => new Uri("http://127.0.0.1:5101"),
        MeshService.Inference => new Uri("http://127.0.0.1:5102"),
        MeshService.Tools => new Uri("http://127.0.0.1:5103"),
        MeshService.Agents => new Uri("http://127.0.0.1:5104"),
        MeshService.Telemetry => new Uri("http://127.0.0.1:5105"),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "unknown Mesh service"),
    };
}
