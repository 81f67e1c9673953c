namespace Mesh.Identity.Tokens;

/// <summary>Token lifetimes and signing key rotation (<c>Mesh:Identity:Tokens</c>).</summary>
public sealed class TokenOptions
{
    public const string SectionName = "Mesh:Identity:Tokens";

    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A signing key older than this is replaced on the next issue; the old one verifies until its tokens expire.</summary>
    public TimeSpan KeyRotationInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Base64 of 32 random bytes (for example <c>openssl rand -base64 32</c>): signing keys are
    /// stored encrypted under it. Unset, they are stored as plain PKCS#8.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

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

        if (!string.IsNullOrEmpty(KeyEncryptionKey) && DecodeKeyEncryptionKey(KeyEncryptionKey) is null)
        {
            yield return $"{SectionName}:KeyEncryptionKey must be base64 of exactly 32 bytes (for example: openssl rand -base64 32)";
        }
    }

    /// <summary>The 32-byte key, or null when <paramref name="value"/> is empty or not base64 of 32 bytes.</summary>
    public static byte[]? DecodeKeyEncryptionKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var key = new byte[32];
        return Convert.TryFromBase64String(value.Trim(), key, out var written) && written == key.Length ? key : null;
    }
}
