namespace Mesh.Tools.Registry;

/// <summary>Tools one tenant has besides the built-ins: those its admins registered, those of its MCP servers.</summary>
public interface ITenantToolSource
{
    IEnumerable<ITool> ToolsOf(string tenant);
}
