using Mesh.Security;
using Mesh.ServiceDefaults;

namespace Mesh.Identity.Tokens;

/// <summary>
/// The keys Mesh services exchange for their service tokens (<c>Mesh:Identity:Services:&lt;name&gt;:Key</c>,
/// and <c>PreviousKey</c> while a key is being replaced). Only identity knows them, and only
/// Tokens.IssueServiceToken accepts them.
/// </summary>
public sealed class ServiceKeyOptions
{
    public const string SectionName = "Mesh:Identity";

    public const int MinKeyLength = 32;

    public Dictionary<string, ServiceKeyEntry> Services { get; } = new(StringComparer.Ordinal);

    /// <summary>How long a service token lives; services renew theirs halfway.</summary>
    public TimeSpan ServiceTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<string> Problems(bool distributed)
    {
        foreach (var (name, entry) in Services)
        {
            var prefix = $"{SectionName}:Services:{name}";
            if (!ServiceRights.Services.Contains(name))
            {
                yield return $"{prefix}: '{name}' is not a Mesh service ({string.Join(", ", ServiceRights.Services)})";
            }

            foreach (var key in new[] { entry.Key, entry.PreviousKey }.Where(k => !string.IsNullOrEmpty(k)))
            {
                if (key!.Length < MinKeyLength)
                {
                    yield return $"{prefix}: service keys must have at least {MinKeyLength} characters (for example: openssl rand -hex 24)";
                }
                else if (distributed && key.StartsWith(MeshMode.DevelopmentServiceKeyPrefix, StringComparison.Ordinal))
                {
                    yield return $"{prefix}: distributed mode refuses the development service keys; give every service a key of its own";
                }
            }
        }

        if (ServiceTokenLifetime < TimeSpan.FromMinutes(1) || ServiceTokenLifetime > TimeSpan.FromHours(1))
        {
            yield return $"{SectionName}:ServiceTokenLifetime must be between 1 minute and 1 hour (it is {ServiceTokenLifetime})";
        }
    }
}

public sealed class ServiceKeyEntry
{
    public string? Key { get; set; }

    public string? PreviousKey { get; set; }
}
