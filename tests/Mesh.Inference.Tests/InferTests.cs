using Grpc.Core;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

[Collection(RepositoryHostCollection.Name)]
public sealed class InferTests(RepositoryHost host)
{
    [Fact]
    public async Task Infer_ConcurrentCalls_BatchAndEachGetsItsOwnRows()
    {
        var client = host.CreateClient();
        var tenant = InferenceHost.NewTenant();
        float[][][] calls = [[[1, 2, 3, 4]], [[0, 0, 0, 0], [1, 1, 1, 1]], [[2, 0, 1, 0]]];

        var responses = await Task.WhenAll(calls.Select(rows => client.InferAsync(RepositoryHost.Affine(rows), TestCalls.As(TestKeys.Admin, tenant)).ResponseAsync));

        for (var c = 0; c < calls.Length; c++)
        {
            var y = Assert.Single(responses[c].Outputs);
            Assert.Equal([calls[c].Length, 2L], y.Shape);
            for (var r = 0; r < calls[c].Length; r++)
            {
                var x = calls[c][r];
                Assert.Equal(x[0] + (2 * x[2]) + 0.5f, y.FloatData[2 * r], 5);
                Assert.Equal(x[1] + (2 * x[3]) - 0.5f, y.FloatData[(2 * r) + 1], 5);
            }
        }

        Assert.Contains(responses, r => r.BatchSize > 1);
        Assert.Equal(3, host.EventsOf(tenant).Count);
    }

    public static TheoryData<string> BadTensors => ["wrong name", "wrong type", "wrong shape", "too few values", "unknown version"];

    [Theory]
    [MemberData(nameof(BadTensors))]
    public async Task Infer_BadTensor_InvalidArgumentOrNotFoundAndNothingBilled(string scenario)
    {
        var request = RepositoryHost.Affine([1, 2, 3, 4]);
        var tensor = request.Inputs[0];
        var expected = StatusCode.InvalidArgument;
        switch (scenario)
        {
            case "wrong name": tensor.Name = "z"; break;
            case "wrong type": tensor.DataType = "int64"; tensor.Int64Data.Add([1, 2, 3, 4]); break;
            case "wrong shape": tensor.Shape[1] = 3; break;
            case "too few values": tensor.FloatData.RemoveAt(0); break;
            default: request.ModelVersion = "9"; expected = StatusCode.NotFound; break;
        }

        var tenant = InferenceHost.NewTenant();
        var error = await Assert.ThrowsAsync<RpcException>(() => host.CreateClient().InferAsync(request, TestCalls.As(TestKeys.Admin, tenant)).ResponseAsync);
        var fine = await host.CreateClient().InferAsync(RepositoryHost.Affine([1, 1, 1, 1]), TestCalls.As(TestKeys.Acme));

        Assert.Equal(expected, error.StatusCode);
        UsageAssert.NothingBilled(host.EventsOf(tenant));
        Assert.Single(fine.Outputs);
    }
}
