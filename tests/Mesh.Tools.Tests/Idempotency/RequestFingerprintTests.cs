using System.Text.Json;
using Mesh.Tools.Idempotency;

namespace Mesh.Tools.Tests.Idempotency;

public sealed class RequestFingerprintTests
{
    private static byte[] Of(string arguments, string tool = "counter", string version = "")
    {
        using var document = JsonDocument.Parse(arguments);
        return RequestFingerprint.Of(tool, version, document.RootElement);
    }

    [Fact]
    public void Of_MembersInAnotherOrderAndSpacing_Equal() =>
        Assert.Equal(Of("""{"a":1,"b":{"x":"y","w":[1,2]}}"""), Of("""{ "b": { "w": [1, 2], "x": "y" }, "a": 1 }"""));

    [Theory]
    [InlineData("""{"a":2,"b":{"x":"y","w":[1,2]}}""")]
    [InlineData("""{"a":1,"b":{"x":"y","w":[2,1]}}""")]
    [InlineData("""{"a":1,"b":{"x":"Y","w":[1,2]}}""")]
    [InlineData("""{"a":1}""")]
    public void Of_OtherValues_Differ(string other) =>
        Assert.NotEqual(Of("""{"a":1,"b":{"x":"y","w":[1,2]}}"""), Of(other));

    [Fact]
    public void Of_OtherToolOrVersion_Differ()
    {
        Assert.NotEqual(Of("{}"), Of("{}", tool: "clock"));
        Assert.NotEqual(Of("{}"), Of("{}", version: "1.0.0"));
        Assert.Equal(Of("{}"), Of("{}", tool: " COUNTER "));
    }
}
