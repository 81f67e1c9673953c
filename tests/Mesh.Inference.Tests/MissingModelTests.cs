using Grpc.Core;
using Grpc.Health.V1;
using Mesh.Inference.Api;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

/// <summary>A server whose model repository is empty: never ready, Embed says why.</summary>
public sealed class MissingModelTests : IDisposable
{
    private readonly string _emptyRoot = Directory.CreateTempSubdirectory("mesh-models-").FullName;
    private readonly MeshServiceFactory<InferenceService> _factory;

    public MissingModelTests() => _factory = new MeshServiceFactory<InferenceService>().WithSetting("Mesh:Inference:ModelRoot", _emptyRoot);

    [Fact]
    public async Task Embed_ModelFileMissing_UnavailableNamingTheModelRootAndBillsNothing()
    {
        var client = new V1.Inference.InferenceClient(_factory.CreateChannel());

        var error = await Assert.ThrowsAsync<RpcException>(() => client.EmbedAsync(InferenceHost.Request("text"), TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("ModelRoot", error.Status.Detail, StringComparison.Ordinal);
        UsageAssert.NothingBilled(_factory.Usage.Events);
    }

    [Fact]
    public async Task HealthCheck_ModelFileMissing_NotServing()
    {
        var client = new V1.Inference.InferenceClient(_factory.CreateChannel());
        await Assert.ThrowsAsync<RpcException>(() => client.EmbedAsync(InferenceHost.Request("text"), TestCalls.As(TestKeys.Acme)).ResponseAsync);
        var health = new Health.HealthClient(_factory.CreateChannel());

        var response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, response.Status);
    }

    public void Dispose()
    {
        _factory.Dispose();
        TestFolders.Delete(_emptyRoot);
    }
}
