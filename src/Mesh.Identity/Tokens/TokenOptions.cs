namespace Mesh.Identity.Tokens;

/// <summary>Token lifetimes and signing key rotation (<c>Mesh:Identity:Tokens</c>).</summary>
public sealed class TokenOptions
{
    public const string SectionName = "Mesh:Identity:Tokens";

    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A signing key older than this is replaced on the next issue; the old one verifies until its tokens expire.</summary>
    public TimeSpan KeyRotationInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Services a token is for when the request names none.</summary>
    public IList<string> DefaultAudiences { get; } = [];

    public static readonly IReadOnlyList<string> MeshServices = ["identity", "inference", "tools", "agents", "telemetry"];

    public IEnumerable<string> Problems()
    {
        if (DefaultLifetime <= TimeSpan.Zero || MaxLifetime < DefaultLifetime)
        {
            yield return $"{SectionName}: DefaultLifetime must be positive and at most MaxLifetime";
        }

        if (MaxLifetime > TimeSpan.FromDays(1))
        {
            yield return $"{SectionName}:MaxLifetime must be at most a day: tokens are short-lived";
        }

        if (KeyRotationInterval < TimeSpan.FromMinutes(1))
        {
            yield return $"{SectionName}:KeyRotationInterval must be at least a minute";
        }
    }
}
