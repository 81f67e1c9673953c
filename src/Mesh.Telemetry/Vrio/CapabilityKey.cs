using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Vrio;

/// <summary>A capability: its kind (model, tool, workflow), name and version.</summary>
public readonly record struct CapabilityKey(string Kind, string Name, string Version)
{
    public const string Model = "model";
    public const string Tool = "tool";
    public const string Workflow = "workflow";

    public static IReadOnlyList<string> Kinds { get; } = [Model, Tool, Workflow];

    /// <summary>The SQL expression naming the capability kind of a usage event's kind (NULL for other kinds).</summary>
    public const string KindOfEvent = "CASE WHEN kind IN ('model_call', 'embedding') THEN 'model' WHEN kind IN ('tool_call', 'retrieval') THEN 'tool' WHEN kind = 'workflow_step' THEN 'workflow' ELSE '' END";

    public CapabilityRef ToRef() => new() { Kind = Kind, Name = Name, Version = Version };

    public override string ToString() => Version.Length == 0 ? $"{Kind}:{Name}" : $"{Kind}:{Name}@{Version}";

    /// <summary>The key of a request's reference, or InvalidArgument saying what to fix.</summary>
    public static CapabilityKey From(CapabilityRef? reference, string field)
    {
        if (reference is null || reference.Name.Trim().Length == 0)
        {
            throw MeshErrors.InvalidArgument(field, "name the capability: kind (model, tool or workflow), name and optionally version");
        }

        var kind = reference.Kind.Trim().ToLowerInvariant();
        if (!Kinds.Contains(kind))
        {
            throw MeshErrors.InvalidArgument(field + ".kind", $"'{reference.Kind}' is not a capability kind; use model, tool or workflow");
        }

        if (reference.Name.Length > 200 || reference.Version.Length > 64)
        {
            throw MeshErrors.InvalidArgument(field, "the name may have at most 200 characters and the version 64");
        }

        return new CapabilityKey(kind, reference.Name.Trim(), reference.Version.Trim());
    }

    public static CapabilityKey Of(CapabilityRef reference) => new(reference.Kind, reference.Name, reference.Version);
}
