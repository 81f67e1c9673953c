using Grpc.Core;
using Mesh.Tools.Calculator;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Tests.Registry;

public sealed class ToolRegistryTests
{
    private static readonly ToolRegistry Registry = new([new EchoTool("1.9.0"), new EchoTool("1.10.0"), new EchoTool("1.2.0"), new CalculatorTool()]);

    [Fact]
    public void Resolve_EmptyVersion_ReturnsTheHighestVersion() =>
        Assert.Equal("1.10.0", Registry.Resolve(EchoTool.Name, "").Descriptor.Version);

    [Fact]
    public void Resolve_ExactVersion_ReturnsThatVersion() =>
        Assert.Equal("1.2.0", Registry.Resolve(EchoTool.Name, "1.2.0").Descriptor.Version);

    [Fact]
    public void Resolve_UnknownVersion_NotFoundNamesExistingVersions()
    {
        var error = Assert.Throws<RpcException>(() => Registry.Resolve(EchoTool.Name, "2.0.0"));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("1.2.0, 1.9.0, 1.10.0", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownTool_NotFoundListsTools()
    {
        var error = Assert.Throws<RpcException>(() => Registry.Resolve("nope", ""));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("available tools: calculator, echo", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EmptyName_InvalidArgument() =>
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => Registry.Resolve(" ", "")).StatusCode);

    [Fact]
    public void Constructor_DuplicateVersion_Throws() =>
        Assert.Contains("more than once", Assert.Throws<InvalidOperationException>(() => new ToolRegistry([new EchoTool("1.0.0"), new EchoTool("1.0.0")])).Message, StringComparison.Ordinal);

    [Fact]
    public void Constructor_InvalidSchema_Throws() =>
        Assert.Contains("invalid arguments schema", Assert.Throws<InvalidOperationException>(() => new ToolRegistry([new BrokenSchemaTool()])).Message, StringComparison.Ordinal);

    [Fact]
    public void All_IsOrderedByNameThenVersion() =>
        Assert.Equal(["calculator 1.0.0", "echo 1.2.0", "echo 1.9.0", "echo 1.10.0"], Registry.All.Select(t => $"{t.Descriptor.Name} {t.Descriptor.Version}"));

    private sealed class BrokenSchemaTool : ITool
    {
        public ToolDescriptor Descriptor { get; } = new("broken", "1.0.0", "", "{ not json", TimeSpan.FromSeconds(1), SideEffect.None);

        public ValueTask<System.Text.Json.Nodes.JsonNode?> ExecuteAsync(System.Text.Json.JsonElement arguments, CancellationToken cancellationToken) =>
            ValueTask.FromResult<System.Text.Json.Nodes.JsonNode?>(null);
    }
}
