using Mesh.Inference.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Inference.Tests;

[Collection(InferenceHostCollection.Name)]
public sealed class EmbeddingModelTests(InferenceHost host)
{
    [Fact]
    public async Task AcquireAsync_CancelledToken_ThrowsWithoutTakingTheModel()
    {
        var model = await host.Factory.Services.GetRequiredService<ModelHost>()
            .GetEmbeddingModelAsync(ModelCatalog.MiniLmL6V2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.AcquireAsync(new CancellationToken(canceled: true)));

        using var lease = await model.AcquireAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(lease.Embed(["still free"], CancellationToken.None).Vectors);
    }

    [Fact]
    public async Task Embed_CancelledBeforeRun_ThrowsAndReleasesOnDispose()
    {
        var model = await host.Factory.Services.GetRequiredService<ModelHost>()
            .GetEmbeddingModelAsync(ModelCatalog.MiniLmL6V2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        using (var lease = await model.AcquireAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => lease.Embed(["never runs"], new CancellationToken(canceled: true)));
        }

        using var next = await model.AcquireAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("cpu", model.Device);
    }
}
