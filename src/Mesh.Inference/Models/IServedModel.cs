namespace Mesh.Inference.Models;

/// <summary>A loaded model with its scheduler, as the model host holds it.</summary>
public interface IServedModel : IDisposable
{
    ModelDescriptor Descriptor { get; }

    /// <summary>Where runs execute: <c>cpu</c> or <c>cuda:N</c>.</summary>
    string Device { get; }

    /// <summary>Device memory reserved for the model (weights, runtime, key-value cache).</summary>
    long MemoryBytes => Memory.TotalBytes;

    /// <summary>What the model measured on its device after loading.</summary>
    Devices.MemoryUse Memory { get; }

    /// <summary>Calls waiting now.</summary>
    int Queued { get; }

    /// <summary>Calls running now (in a batch, or held for key-value blocks).</summary>
    int Running { get; }

    /// <summary>Stops the scheduler: waiting and running calls fail with Unavailable.</summary>
    void Stop();
}
