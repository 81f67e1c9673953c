namespace Mesh.Inference.Models;

/// <summary>A model loaded into an ONNX Runtime session: what it is, where it runs and what it holds.</summary>
public interface ILoadedModel : IDisposable
{
    ModelDescriptor Descriptor { get; }

    /// <summary>Where runs execute: <c>cpu</c> or <c>cuda:N</c>.</summary>
    string Device { get; }

    /// <summary>Device memory reserved for the session.</summary>
    long MemoryBytes { get; }
}
