using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Storage;

/// <summary>Reports every problem with <see cref="TelemetryStorageOptions"/>, not only the first.</summary>
public sealed class TelemetryStorageOptionsValidator : IValidateOptions<TelemetryStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
