namespace Mesh.Tools.Runtimes;

/// <summary>Bounds on what tenants register (<c>Mesh:Tools:Registration</c>).</summary>
public sealed class ToolRegistrationOptions
{
    public const string SectionName = "Mesh:Tools:Registration";

    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest arguments schema, description and process files together, in bytes.</summary>
    public int MaxDefinitionBytes { get; set; } = 256 * 1024;

    /// <summary>Most tools (all versions) one tenant may register.</summary>
    public int MaxToolsPerTenant { get; set; } = 500;

    public IEnumerable<string> Problems()
    {
        if (DefaultTimeout <= TimeSpan.Zero || DefaultTimeout > MaxTimeout)
        {
            yield return $"{SectionName}:DefaultTimeout must be positive and at most MaxTimeout ({MaxTimeout}); it is {DefaultTimeout}";
        }

        if (MaxTimeout > TimeSpan.FromHours(1))
        {
            yield return $"{SectionName}:MaxTimeout must be at most 1 hour (it is {MaxTimeout})";
        }

        if (MaxDefinitionBytes < 1024)
        {
            yield return $"{SectionName}:MaxDefinitionBytes must be at least 1024 (it is {MaxDefinitionBytes})";
        }

        if (MaxToolsPerTenant < 1)
        {
            yield return $"{SectionName}:MaxToolsPerTenant must be at least 1 (it is {MaxToolsPerTenant})";
        }
    }
}
