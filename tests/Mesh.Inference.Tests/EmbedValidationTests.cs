using Grpc.Core;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

[Collection(InferenceHostCollection.Name)]
public sealed class EmbedValidationTests(InferenceHost host)
{
    private static readonly Dictionary<string, EmbedRequest> Requests = new()
    {
        ["empty model"] = new EmbedRequest { Model = "", Inputs = { "text" } },
        ["whitespace model"] = new EmbedRequest { Model = "  ", Inputs = { "text" } },
        ["unknown model"] = new EmbedRequest { Model = "gpt-17", Inputs = { "text" } },
        ["no inputs"] = new EmbedRequest { Model = InferenceHost.Model },
        ["empty input"] = InferenceHost.Request("fine", "also fine", "ok", ""),
        ["whitespace input"] = InferenceHost.Request("fine", " \t\n "),
        ["65 inputs"] = InferenceHost.Request([.. Enumerable.Repeat("text", 65)]),
        ["8193 characters"] = InferenceHost.Request("fine", new string('a', 8193)),
    };

    [Theory]
    [InlineData("empty model", StatusCode.InvalidArgument, "model")]
    [InlineData("whitespace model", StatusCode.InvalidArgument, "model")]
    [InlineData("unknown model", StatusCode.NotFound, "all-MiniLM-L6-v2")]
    [InlineData("no inputs", StatusCode.InvalidArgument, "inputs")]
    [InlineData("empty input", StatusCode.InvalidArgument, "inputs[3]")]
    [InlineData("whitespace input", StatusCode.InvalidArgument, "inputs[1]")]
    [InlineData("65 inputs", StatusCode.InvalidArgument, "inputs")]
    [InlineData("8193 characters", StatusCode.InvalidArgument, "inputs[1]")]
    public async Task Embed_BadRequest_FailsNamingTheFieldAndBillsNothing(string scenario, StatusCode expected, string named)
    {
        var tenant = InferenceHost.NewTenant();

        var error = await Assert.ThrowsAsync<RpcException>(
            () => host.CreateClient().EmbedAsync(Requests[scenario], TestCalls.As(TestKeys.Admin, tenant)).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(named, error.Status.Detail, StringComparison.Ordinal);
        UsageAssert.NothingBilled(host.EventsOf(tenant));
        if (expected == StatusCode.InvalidArgument)
        {
            Assert.Equal(named, error.Trailers.GetValue(MeshErrors.FieldTrailer));
        }
    }

    [Fact]
    public async Task Embed_AtTheLimits_IsAccepted()
    {
        var client = host.CreateClient();
        var call = TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant());
        var longest = string.Join(' ', Enumerable.Repeat("abcdefg", 1100))[..8192];

        var many = await client.EmbedAsync(InferenceHost.Request([.. Enumerable.Range(0, 64).Select(i => $"text {i}")]), call);
        var large = await client.EmbedAsync(InferenceHost.Request(longest), call);

        Assert.Equal(64, many.Embeddings.Count);
        Assert.Equal(256, Assert.Single(large.Embeddings).Tokens);
    }

    [Fact]
    public async Task Embed_NoKey_Unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            () => host.CreateClient().EmbedAsync(InferenceHost.Request("text"), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task ListModels_NoKey_Unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            () => host.CreateClient().ListModelsAsync(new ListModelsRequest(), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }
}
