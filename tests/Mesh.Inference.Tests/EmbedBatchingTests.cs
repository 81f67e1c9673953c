using Mesh.Inference.Embeddings;
using Mesh.Inference.Models;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Inference.Tests;

[Collection(RepositoryHostCollection.Name)]
public sealed class EmbedBatchingTests(RepositoryHost host)
{
    [Fact]
    public async Task Embed_EightConcurrentCalls_RunAsOneBatchWithUnbatchedResults()
    {
        string[] inputs = ["hello", "GPU cost per hour", "a", "Tenants share the device fairly under load",
            "inference", "What is the price of a token?", "mesh", "Batching raises throughput without changing results"];
        var client = host.CreateClient();
        var tenant = InferenceHost.NewTenant();

        var responses = await Task.WhenAll(inputs.Select(i => client.EmbedAsync(InferenceHost.Request(i), TestCalls.As(TestKeys.Admin, tenant)).ResponseAsync));

        var model = await host.Factory.Services.GetRequiredService<ModelHost>().GetEmbeddingModelAsync(BuiltinModels.MiniLmL6V2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(8, model.Descriptor.MaxBatch);
        var batchSizes = responses.Select(r => r.BatchSize).ToList();
        Assert.True(batchSizes.Sum() > inputs.Length, $"calls should share runs; batch sizes were {string.Join(", ", batchSizes)}");
        for (var i = 0; i < inputs.Length; i++)
        {
            using var lease = await model.AcquireAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            var alone = lease.Embed([inputs[i]], CancellationToken.None).Vectors[0];
            var batched = responses[i].Embeddings[0].Values;
            for (var d = 0; d < alone.Length; d++)
            {
                Assert.True(Math.Abs(alone[d] - batched[d]) < 1e-5, $"input {i} dimension {d}: {alone[d]} alone, {batched[d]} batched");
            }
        }

        var events = host.EventsOf(tenant);
        Assert.Equal(8, events.Count);
        Assert.All(events, e => Assert.True(e.BatchSize > 1 && e.QueueMs >= 0 && e.Device == "cpu"));
    }

    [Fact]
    public async Task Embed_CancelledWhileQueued_IsNeverRun()
    {
        var client = host.CreateClient();
        var tenant = InferenceHost.NewTenant();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        // Alone, the call waits up to the 2 s max queue delay for a fuller batch: cancelled first.
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.EmbedAsync(
            InferenceHost.Request("never embedded"), TestCalls.As(TestKeys.Admin, tenant).WithCancellationToken(cancel.Token)).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.Cancelled, error.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (host.EventsOf(tenant).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var usage = Assert.Single(host.EventsOf(tenant));
        Assert.Equal(Mesh.Usage.V1.UsageStatus.Cancelled, usage.Status);
        Assert.Equal(0, usage.ComputeMs);
    }

    [Fact]
    public void Split_ShortAndLongRows_PutsThemInSeparateRuns()
    {
        int[] lengths = [5, 7, 6, 60, 64, 9];

        var buckets = LengthBuckets.Split(lengths, l => l);

        Assert.Equal([[5, 6, 7, 9], [60, 64]], buckets);
    }
}
