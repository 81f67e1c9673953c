namespace Mesh.Inference.Models;

/// <summary>Where a model of the catalog stands.</summary>
public sealed record ModelState(ModelDescriptor Model, string State, IServedModel? Served, Exception? Failure)
{
    /// <summary>Its replicas while loaded (draining ones included).</summary>
    public IReadOnlyList<Placement.ModelReplica> Replicas { get; init; } = [];

    public const string Unloaded = "unloaded";
    public const string Loading = "loading";
    public const string Ready = "ready";
    public const string Failed = "failed";
}
