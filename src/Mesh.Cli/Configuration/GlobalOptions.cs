using System.CommandLine;

namespace Mesh.Cli.Configuration;

/// <summary>The options every command accepts, and how they resolve against the environment.</summary>
public sealed class GlobalOptions
{
    public const string ApiKeyVariable = "MESH_API_KEY";
    public const string TenantVariable = "MESH_TENANT";
    public const double DefaultTimeoutSeconds = 60;

    private readonly Dictionary<MeshService, Option<string?>> _urls = [];

    public GlobalOptions()
    {
        foreach (var service in MeshServices.All)
        {
            _urls[service] = new Option<string?>($"--{MeshServices.Name(service)}-url")
            {
                Description = $"Address of the {MeshServices.Name(service)} service "
                    + $"[env: {MeshServices.UrlVariable(service)}, default: {MeshServices.DefaultAddress(service).GetLeftPart(UriPartial.Authority)}]",
                HelpName = "url",
                Recursive = true,
            };
        }
    }

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON for machines: one document, or one JSON object per line for streams",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key sent as 'authorization: Bearer <key>' [env: {ApiKeyVariable}]",
        HelpName = "key",
        Recursive = true,
    };

    public Option<string?> Tenant { get; } = new("--tenant")
    {
        Description = $"Tenant to act in, sent as x-mesh-tenant [env: {TenantVariable}]",
        HelpName = "id",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds each call may take",
        HelpName = "seconds",
        DefaultValueFactory = _ => DefaultTimeoutSeconds,
        Recursive = true,
        Validators =
        {
            result =>
            {
                if (result.GetValueOrDefault<double>() is <= 0 or > 86_400)
                {
                    result.AddError("--timeout must be between 0 and 86400 seconds");
                }
            },
        },
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Json);
        command.Options.Add(ApiKey);
        command.Options.Add(Tenant);
        command.Options.Add(Timeout);
        foreach (var service in MeshServices.All)
        {
            command.Options.Add(_urls[service]);
        }
    }

    /// <summary>Options first, then the environment, then defaults.</summary>
    public CliSettings Read(ParseResult parse, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(environment);
        var addresses = MeshServices.All.ToDictionary(
            service => service,
            service => ServiceAddresses.Resolve(service, parse.GetValue(_urls[service]), environment));
        return new CliSettings(
            Json: parse.GetValue(Json),
            ApiKey: FirstNonEmpty(parse.GetValue(ApiKey), environment(ApiKeyVariable)),
            Tenant: FirstNonEmpty(parse.GetValue(Tenant), environment(TenantVariable)),
            Timeout: TimeSpan.FromSeconds(parse.GetValue(Timeout)),
            Addresses: addresses);
    }

    private static string? FirstNonEmpty(params string?[] values) =>
        values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
