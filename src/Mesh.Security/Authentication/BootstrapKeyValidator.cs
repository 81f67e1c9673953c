using Mesh.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Authentication;

/// <summary>
/// Refuses to start without any key, and, in distributed mode, without an explicitly
/// configured bootstrap key of at least 32 characters that is not the development one.
/// </summary>
public sealed class BootstrapKeyValidator(IConfiguration configuration) : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (string.IsNullOrEmpty(options.BootstrapApiKey) && options.ApiKeys.Count == 0)
        {
            problems.Add("no API keys configured: set Mesh:BootstrapApiKey (or Mesh:ApiKeys) so callers can authenticate");
        }

        if (MeshMode.IsDistributed(configuration[MeshMode.Key]))
        {
            var key = options.BootstrapApiKey ?? "";
            if (key == MeshMode.DevelopmentBootstrapKey || key.Length < MeshMode.MinDistributedKeyLength)
            {
                problems.Add($"distributed mode needs an explicitly configured Mesh:BootstrapApiKey of at least {MeshMode.MinDistributedKeyLength} characters, not the development key");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
