using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Storage.Rollups;

/// <summary>Reports every problem with <see cref="RollupOptions"/>, not only the first.</summary>
public sealed class RollupOptionsValidator : IValidateOptions<RollupOptions>
{
    public ValidateOptionsResult Validate(string? name, RollupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
