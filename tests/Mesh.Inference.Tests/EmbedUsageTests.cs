using System.Diagnostics;
using Mesh.Inference.Api;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Inference.Tests;

/// <summary>Usage metering of Embed, on a server of its own so every captured event is this class's.</summary>
public sealed class EmbedUsageTests : IDisposable
{
    private readonly MeshServiceFactory<InferenceService> _factory = new();

    [Fact]
    public async Task Embed_TenantKey_EmitsOneUsageEventWithTheMeasuredFields()
    {
        var client = new V1.Inference.InferenceClient(_factory.CreateChannel());

        var response = await client.EmbedAsync(InferenceHost.Request("hello world", "How much does a GPU cost per hour?"), TestCalls.As(TestKeys.Acme));

        var usage = Assert.Single(_factory.Usage.Events);
        Assert.Equal("acme", usage.TenantId);
        Assert.Equal("alice", usage.PrincipalId);
        Assert.Equal("inference", usage.Service);
        Assert.Equal(UsageKind.Embedding, usage.Kind);
        Assert.Equal(InferenceHost.Model, usage.Resource);
        Assert.Equal("24.9.52193", usage.ResourceVersion);
        Assert.Equal("cpu", usage.Device);
        Assert.Equal(response.InputTokens, usage.InputTokens);
        Assert.True(usage.InputTokens > 4);
        Assert.Equal(0, usage.OutputTokens);
        Assert.Equal(2, usage.BatchSize);
        Assert.Equal(UsageStatus.Ok, usage.Status);
        Assert.True(usage.ComputeMs > 0);
        Assert.True(usage.QueueMs >= 0);
        Assert.True(usage.TotalMs >= usage.ComputeMs + usage.QueueMs);
        Assert.False(string.IsNullOrEmpty(usage.EventId));
        Assert.NotNull(usage.OccurredAt);
    }

    [Fact]
    public async Task Embed_TwoCalls_EmitTwoEventsWithDistinctIds()
    {
        var client = new V1.Inference.InferenceClient(_factory.CreateChannel());

        await client.EmbedAsync(InferenceHost.Request("one"), TestCalls.As(TestKeys.Globex));
        await client.EmbedAsync(InferenceHost.Request("two", "three", "four"), TestCalls.As(TestKeys.Globex));

        var events = _factory.Usage.Events;
        Assert.Equal(2, events.Count);
        Assert.Equal([1, 3], events.Select(e => e.BatchSize));
        Assert.All(events, e => Assert.Equal("globex", e.TenantId));
        Assert.NotEqual(events[0].EventId, events[1].EventId);
    }

    [Fact]
    public async Task Embed_Call_StartsAnEmbeddingsSpanWithGenAiTags()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Mesh.Inference",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var client = new V1.Inference.InferenceClient(_factory.CreateChannel());

        var response = await client.EmbedAsync(InferenceHost.Request("traced sentence"), TestCalls.As(TestKeys.Acme));

        // Other servers in this process trace too: this call's span shares its usage event's trace.
        var usage = Assert.Single(_factory.Usage.Events);
        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, s => s.TraceId.ToString() == usage.TraceId && s.OperationName == $"embeddings {InferenceHost.Model}");
        }

        Assert.Equal("embeddings", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(InferenceHost.Model, span.GetTagItem("gen_ai.request.model"));
        Assert.Equal((long)response.InputTokens, span.GetTagItem("gen_ai.usage.input_tokens"));
    }

    public void Dispose() => _factory.Dispose();
}
