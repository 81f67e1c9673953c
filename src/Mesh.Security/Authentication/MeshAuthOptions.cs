namespace Mesh.Security.Authentication;

/// <summary>How services check tokens and API keys (<c>Mesh:Auth</c>).</summary>
public sealed class MeshAuthOptions
{
    public const string SectionName = "Mesh:Auth";

    /// <summary>The <c>iss</c> every token must carry.</summary>
    public string Issuer { get; set; } = "mesh-identity";

    /// <summary>How long a service trusts an API key identity confirmed; a revoked key is refused within this.</summary>
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the key set is fetched again even when every key id is known.</summary>
    public TimeSpan KeySetRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Least time between fetches caused by tokens with an unknown key id.</summary>
    public TimeSpan UnknownKeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Tolerance for clocks that disagree when checking expiry.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Issuer))
        {
            yield return $"{SectionName}:Issuer must not be empty";
        }

        if (ApiKeyCacheDuration < TimeSpan.Zero || ApiKeyCacheDuration > TimeSpan.FromMinutes(5))
        {
            yield return $"{SectionName}:ApiKeyCacheDuration must be between 0 and 5 minutes (revoked keys must fail promptly)";
        }

        if (KeySetRefreshInterval <= TimeSpan.Zero || UnknownKeyRefreshInterval < TimeSpan.Zero)
        {
            yield return $"{SectionName}:KeySetRefreshInterval must be positive and UnknownKeyRefreshInterval not negative";
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            yield return $"{SectionName}:ClockSkew must be between 0 and 5 minutes";
        }
    }
}
