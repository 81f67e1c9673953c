namespace Mesh.ServiceDefaults.Grpc;

/// <summary>gRPC settings shared by every service (<c>Mesh:Grpc</c>).</summary>
public sealed class MeshGrpcOptions
{
    public const string SectionName = "Mesh:Grpc";

    /// <summary>Deadline of an outgoing call that inherited none from its caller.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest request message a service accepts.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;
}
