using System.Text.Json;
using Grpc.Core;
using Json.Schema;
using Mesh.Testing;
using Mesh.Tools.V1;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Service;

public sealed class ToolsServiceTests(ToolsFactory factory) : IClassFixture<ToolsFactory>
{
    private ToolsClient Client => new(factory.CreateChannel());

    private Task<InvokeToolResponse> InvokeAsync(string tool, string argumentsJson, string version = "") =>
        Client.InvokeToolAsync(new InvokeToolRequest { Tool = tool, Version = version, ArgumentsJson = argumentsJson }, TestCalls.As(TestKeys.Acme)).ResponseAsync;

    private async Task<RpcException> FailsAsync(string tool, string argumentsJson, StatusCode expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(tool, argumentsJson));
        Assert.Equal(expected, error.StatusCode);
        return error;
    }

    [Fact]
    public async Task ListTools_Default_IncludesCalculatorWithParsableSchema()
    {
        var response = await Client.ListToolsAsync(new ListToolsRequest(), TestCalls.As(TestKeys.Acme));

        var calculator = Assert.Single(response.Tools, t => t.Name == "calculator");
        Assert.Equal("1.0.0", calculator.Version);
        Assert.Equal(SideEffect.None, calculator.SideEffect);
        Assert.Equal(2000, calculator.TimeoutMs);
        Assert.NotEmpty(calculator.Description);
        var schema = JsonSchema.FromText(calculator.ArgumentsSchema, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var valid = JsonDocument.Parse("""{"expression":"1+1"}""");
        Assert.True(schema.Evaluate(valid.RootElement).IsValid);
        Assert.Contains(response.Tools, t => t.Name == "clock" && t.SideEffect == SideEffect.Read);
    }

    [Fact]
    public async Task InvokeTool_Calculator_ReturnsValue()
    {
        var response = await InvokeAsync("calculator", """{"expression":"(2+3)*4"}""");

        Assert.Equal("calculator", response.Tool);
        Assert.Equal("1.0.0", response.Version);
        using var result = JsonDocument.Parse(response.ResultJson);
        Assert.Equal(20, result.RootElement.GetProperty("value").GetDouble());
        Assert.Equal("(2+3)*4", result.RootElement.GetProperty("expression").GetString());
        // Readable as sent: '+' stays '+', not \u002B.
        Assert.Contains("\"expression\":\"(2+3)*4\"", response.ResultJson, StringComparison.Ordinal);
        Assert.True(response.DurationMs >= 0);
    }

    [Fact]
    public async Task InvokeTool_ExactVersion_Runs() =>
        Assert.Equal("1.0.0", (await InvokeAsync("calculator", """{"expression":"1"}""", "1.0.0")).Version);

    [Fact]
    public async Task InvokeTool_Clock_ReturnsUtcTime()
    {
        var response = await InvokeAsync("clock", "");
        using var result = JsonDocument.Parse(response.ResultJson);
        Assert.EndsWith("+00:00", result.RootElement.GetProperty("utc").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_MalformedJson_InvalidArgument()
    {
        var error = await FailsAsync("calculator", """{"expression": """, StatusCode.InvalidArgument);
        Assert.StartsWith("arguments_json: not valid JSON: ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_MissingExpression_InvalidArgumentNamesPointer()
    {
        var error = await FailsAsync("calculator", "{}", StatusCode.InvalidArgument);
        Assert.Equal("arguments_json/expression: required property missing", error.Status.Detail);
        Assert.Equal("arguments_json/expression", error.Trailers.GetValue("x-mesh-field"));
    }

    [Fact]
    public async Task InvokeTool_ExtraProperty_InvalidArgumentNamesPropertyAndAllowed()
    {
        var error = await FailsAsync("calculator", """{"expression":"1","precision":3}""", StatusCode.InvalidArgument);
        Assert.Equal("arguments_json/precision: property not allowed; allowed properties: expression", error.Status.Detail);
    }

    [Fact]
    public async Task InvokeTool_WrongType_InvalidArgumentNamesType()
    {
        var error = await FailsAsync("calculator", """{"expression":42}""", StatusCode.InvalidArgument);
        Assert.StartsWith("arguments_json/expression: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("string", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_SeveralViolations_ListsEach()
    {
        var error = await FailsAsync("calculator", """{"x":1,"y":2}""", StatusCode.InvalidArgument);
        Assert.Contains("3 violations", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("arguments_json/expression: required property missing", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("arguments_json/x: property not allowed", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("arguments_json/y: property not allowed", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_NotAnObject_InvalidArgument()
    {
        var error = await FailsAsync("calculator", "[1]", StatusCode.InvalidArgument);
        Assert.StartsWith("arguments_json: ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_ExpressionTooLong_InvalidArgument() =>
        await FailsAsync("calculator", JsonSerializer.Serialize(new { expression = new string('1', 1001) }), StatusCode.InvalidArgument);

    [Fact]
    public async Task InvokeTool_UnknownTool_NotFoundListsAvailable()
    {
        var error = await FailsAsync("abacus", "{}", StatusCode.NotFound);
        Assert.Contains("'abacus'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("calculator", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_UnknownVersion_NotFoundNamesVersions()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync("calculator", """{"expression":"1"}""", "9.9.9"));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("versions that exist: 1.0.0", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_EmptyToolName_InvalidArgument() =>
        await FailsAsync("", "{}", StatusCode.InvalidArgument);

    [Fact]
    public async Task InvokeTool_DivisionByZero_InvalidArgumentWithPosition()
    {
        var error = await FailsAsync("calculator", """{"expression":"1+2/0"}""", StatusCode.InvalidArgument);
        Assert.Equal("arguments_json/expression: division by zero at position 4", error.Status.Detail);
    }

    [Fact]
    public async Task InvokeTool_Overflow_InvalidArgument()
    {
        var error = await FailsAsync("calculator", """{"expression":"10^400"}""", StatusCode.InvalidArgument);
        Assert.Contains("overflow", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_NoApiKey_Unauthenticated()
    {
        var call = Client.InvokeToolAsync(new InvokeToolRequest { Tool = "calculator", ArgumentsJson = """{"expression":"1"}""" },
            deadline: DateTime.UtcNow.AddSeconds(30));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }
}
