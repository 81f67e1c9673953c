using Mesh.Tools.V1;

namespace Mesh.Tools.Registry;

/// <summary>What the registry publishes about a tool.</summary>
/// <param name="Name">Stable identifier callers invoke it by.</param>
/// <param name="Version">Semantic version (major.minor.patch).</param>
/// <param name="Description">What it does, for people and models choosing a tool.</param>
/// <param name="ArgumentsSchema">JSON Schema of the arguments object.</param>
/// <param name="Timeout">How long one execution may run.</param>
/// <param name="SideEffect">Whether running it reads or changes outside state.</param>
public sealed record ToolDescriptor(
    string Name,
    string Version,
    string Description,
    string ArgumentsSchema,
    TimeSpan Timeout,
    SideEffect SideEffect)
{
    /// <summary>Indicative price of one call in US dollars, when the tool has one.</summary>
    public decimal? PriceHintUsd { get; init; }

    public ToolInfo ToInfo() => new()
    {
        Name = Name,
        Version = Version,
        Description = Description,
        ArgumentsSchema = ArgumentsSchema,
        TimeoutMs = (int)Math.Min(int.MaxValue, Timeout.TotalMilliseconds),
        SideEffect = SideEffect,
    };
}
