namespace Mesh.Inference.Devices;

/// <summary>
/// One device models can be placed on, with the memory the pool lets models reserve on it
/// and the reservations made.
/// </summary>
public sealed class ComputeDevice(string name, string kind, int index, long capacityBytes, bool usable)
{
    private readonly Dictionary<string, long> _reservations = new(StringComparer.Ordinal);

    /// <summary><c>cpu</c> or <c>cuda:N</c>.</summary>
    public string Name { get; } = name;

    /// <summary><c>cpu</c> or <c>cuda</c>.</summary>
    public string Kind { get; } = kind;

    public int Index { get; } = index;

    public long CapacityBytes { get; } = capacityBytes;

    /// <summary>False for a GPU this build of ONNX Runtime cannot run on (it is still reported).</summary>
    public bool Usable { get; } = usable;

    public long ReservedBytes { get; private set; }

    public long FreeBytes => Math.Max(0, CapacityBytes - ReservedBytes);

    public IReadOnlyCollection<string> Models => _reservations.Keys;

    internal void Reserve(string model, long bytes)
    {
        _reservations[model] = _reservations.GetValueOrDefault(model) + bytes;
        ReservedBytes += bytes;
    }

    internal void Release(string model)
    {
        if (_reservations.Remove(model, out var bytes))
        {
            ReservedBytes -= bytes;
        }
    }
}
