using Grpc.Core;
using Mesh.Inference.V1;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

[Collection(InferenceHostCollection.Name)]
public sealed class GenerateValidationTests(InferenceHost host)
{
    private static readonly Dictionary<string, GenerateRequest> Requests = new()
    {
        ["unknown model"] = new GenerateRequest { Model = "gpt-17", Prompt = "hi" },
        ["unknown version"] = new GenerateRequest { Model = GenerateTests.Model, ModelVersion = "v0", Prompt = "hi" },
        ["embedding model"] = new GenerateRequest { Model = InferenceHost.Model, Prompt = "hi" },
        ["empty prompt"] = new GenerateRequest { Model = GenerateTests.Model, Prompt = " " },
        ["oversized prompt"] = new GenerateRequest { Model = GenerateTests.Model, Prompt = new string('a', 40_000) },
        ["prompt over context"] = new GenerateRequest { Model = GenerateTests.Model, Prompt = string.Join(' ', Enumerable.Repeat("token", 1100)) },
        ["negative max tokens"] = new GenerateRequest { Model = GenerateTests.Model, Prompt = "hi", MaxTokens = -1 },
        ["max tokens over context"] = new GenerateRequest { Model = GenerateTests.Model, Prompt = "hi", MaxTokens = 5000 },
        ["temperature"] = new GenerateRequest { Model = GenerateTests.Model, Prompt = "hi", Temperature = 9 },
        ["top p"] = new GenerateRequest { Model = GenerateTests.Model, Prompt = "hi", TopP = 1.5f },
    };

    [Theory]
    [InlineData("unknown model", StatusCode.NotFound, "gpt-17")]
    [InlineData("unknown version", StatusCode.NotFound, "v0")]
    [InlineData("embedding model", StatusCode.InvalidArgument, "model")]
    [InlineData("empty prompt", StatusCode.InvalidArgument, "prompt")]
    [InlineData("oversized prompt", StatusCode.InvalidArgument, "prompt")]
    [InlineData("prompt over context", StatusCode.InvalidArgument, "prompt")]
    [InlineData("negative max tokens", StatusCode.InvalidArgument, "max_tokens")]
    [InlineData("max tokens over context", StatusCode.InvalidArgument, "max_tokens")]
    [InlineData("temperature", StatusCode.InvalidArgument, "temperature")]
    [InlineData("top p", StatusCode.InvalidArgument, "top_p")]
    public async Task Generate_BadRequest_FailsNamingTheProblemAndOthersKeepServing(string scenario, StatusCode expected, string named)
    {
        var tenant = InferenceHost.NewTenant();
        var client = host.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateTests.ReadAll(client.Generate(Requests[scenario], TestCalls.As(TestKeys.Admin, tenant))));
        var fine = await GenerateTests.ReadAll(client.Generate(GenerateTests.Request("still serving", 2), TestCalls.As(TestKeys.Acme)));

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(named, error.Status.Detail, StringComparison.Ordinal);
        UsageAssert.NothingBilled(host.EventsOf(tenant));
        Assert.Equal(2, fine.Tokens.Count);
    }

    [Fact]
    public async Task Generate_DeadlinePassesWhileGenerating_FailsAndIsBilledAsCancelled()
    {
        var tenant = InferenceHost.NewTenant();
        await GenerateTests.ReadAll(host.CreateClient().Generate(GenerateTests.Request("load", 1), TestCalls.As(TestKeys.Acme)));
        var options = TestCalls.As(TestKeys.Admin, tenant, TimeSpan.FromMilliseconds(150));

        // The client sees DeadlineExceeded, or, when the server's deadline timer wins the race, the
        // stream reset that the server sends after the deadline, which the in-memory transport
        // reports as one of several client-side read errors. Never the server's own internal error.
        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateTests.ReadAll(host.CreateClient().Generate(GenerateTests.Request("a long story", 1000), options)));
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (host.EventsOf(tenant).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        if (error.StatusCode != StatusCode.DeadlineExceeded)
        {
            Assert.Matches("^Error (reading next message|starting gRPC call)", error.Status.Detail);
            Assert.DoesNotContain("internal error", error.Status.Detail, StringComparison.Ordinal);
        }

        // A deadline that passes before the sequence is queued leaves nothing to bill; once queued,
        // the call is billed as cancelled for the tokens that ran. (On a loaded machine the deadline
        // can land after the last of the 1000 tokens: the caller still never got its answer.)
        Assert.All(host.EventsOf(tenant), usage =>
        {
            Assert.Equal(Mesh.Usage.V1.UsageStatus.Cancelled, usage.Status);
            Assert.InRange(usage.OutputTokens, 0, 1000);
        });
    }
}
