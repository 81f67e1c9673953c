namespace Mesh.Inference.Devices;

/// <summary>
/// What a model replica holds on its device, measured after it loaded: the session (weights and
/// ONNX Runtime's copies), the workspace its warm-up runs grew (activations, arena), and its
/// key-value block pool (the budget reserved and the blocks allocated so far).
/// </summary>
public sealed record MemoryUse(long WeightsBytes, long WorkspaceBytes, long KvBudgetBytes)
{
    public static MemoryUse None { get; } = new(0, 0, 0);

    /// <summary>What the replica reserves: weights, workspace and the whole key-value budget.</summary>
    public long TotalBytes => WeightsBytes + WorkspaceBytes + KvBudgetBytes;
}
