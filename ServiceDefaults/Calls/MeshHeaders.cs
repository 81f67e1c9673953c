namespace Mesh.ServiceDefaults.Calls;

/// <summary>The gRPC metadata keys the mesh reads and propagates.</summary>
public static class MeshHeaders
{
    public const string Authorization = "authorization";
    public const string Tenant = "x-mesh-tenant";
    public const string Agent = "x-mesh-agent";
    public const string Run = "x-mesh-run";
    public const string Step = "x-mesh-step";
}
