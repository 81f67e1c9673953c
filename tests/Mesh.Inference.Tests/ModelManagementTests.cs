using Grpc.Core;
using Mesh.Inference.V1;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

[Collection(RepositoryHostCollection.Name)]
public sealed class ModelManagementTests(RepositoryHost host)
{
    [Fact]
    public async Task ListModels_Repository_ShowsConfigsStatesAndSkipsTheBadConfig()
    {
        var client = host.CreateClient();
        await client.EmbedAsync(InferenceHost.Request("load"), TestCalls.As(TestKeys.Acme));

        var models = (await client.ListModelsAsync(new ListModelsRequest(), TestCalls.As(TestKeys.Acme))).Models.ToDictionary(m => m.Name);

        Assert.Equal(8, models["all-MiniLM-L6-v2"].MaxBatch);
        Assert.Equal(2000, models["all-MiniLM-L6-v2"].MaxQueueDelayMs);
        Assert.Equal("ready", models["all-MiniLM-L6-v2"].State);
        Assert.Equal("tensors", models["affine"].Kind);
        Assert.Equal("3", models["affine"].Version);
        Assert.Equal("unloaded", models["broken"].State);
        Assert.DoesNotContain("bad-config", models.Keys);
    }

    [Fact]
    public async Task LoadModel_FileIsNotOnnx_FailedPreconditionAndOthersKeepServing()
    {
        var client = host.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.LoadModelAsync(new LoadModelRequest { Model = "broken" }, TestCalls.As(TestKeys.Admin)).ResponseAsync);
        var embed = await client.EmbedAsync(InferenceHost.Request("still serving"), TestCalls.As(TestKeys.Acme));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("not a loadable ONNX model", error.Status.Detail, StringComparison.Ordinal);
        Assert.Single(embed.Embeddings);
    }

    [Fact]
    public async Task LoadModel_BadConfig_FailedPreconditionNamingTheProblem()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            () => host.CreateClient().LoadModelAsync(new LoadModelRequest { Model = "bad-config" }, TestCalls.As(TestKeys.Admin)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("spreadsheet", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadModel_TenantKey_PermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            () => host.CreateClient().LoadModelAsync(new LoadModelRequest { Model = "tiny-gpt" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task UnloadThenLoad_TinyGpt_FailsWhileUnloadedThenServesAgainAndFreesDeviceMemory()
    {
        var client = host.CreateClient();
        var admin = TestCalls.As(TestKeys.Admin);
        var loaded = await client.LoadModelAsync(new LoadModelRequest { Model = "tiny-gpt" }, admin);
        var reserved = (await client.ListDevicesAsync(new ListDevicesRequest(), admin)).Devices.Single(d => d.Name == "cpu");

        var unloaded = await client.UnloadModelAsync(new UnloadModelRequest { Model = "tiny-gpt" }, admin);
        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateTests.ReadAll(client.Generate(GenerateTests.Request("hi"), TestCalls.As(TestKeys.Acme))));
        var after = (await client.ListDevicesAsync(new ListDevicesRequest(), admin)).Devices.Single(d => d.Name == "cpu");
        var reloaded = await client.LoadModelAsync(new LoadModelRequest { Model = "tiny-gpt" }, admin);
        var text = await GenerateTests.ReadAll(client.Generate(GenerateTests.Request("hi", 3), TestCalls.As(TestKeys.Acme)));

        Assert.Equal("ready", loaded.State);
        Assert.True(loaded.MemoryBytes > 13_000_000);
        Assert.Contains("tiny-gpt", reserved.Models);
        Assert.Equal("unloaded", unloaded.State);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.DoesNotContain("tiny-gpt", after.Models);
        Assert.Equal(reserved.MemoryReservedBytes - loaded.MemoryBytes, after.MemoryReservedBytes);
        Assert.Equal("ready", reloaded.State);
        Assert.Equal(3, text.Tokens.Count);
    }

    [Fact]
    public async Task ListDevices_CpuOnlyMachine_ReportsCpuWithMemoryAndUtilization()
    {
        var response = await host.CreateClient().ListDevicesAsync(new ListDevicesRequest(), TestCalls.As(TestKeys.Acme));

        var cpu = Assert.Single(response.Devices, d => d.Name == "cpu");
        Assert.True(cpu.Usable);
        Assert.True(cpu.MemoryTotalBytes > 0);
        Assert.True(cpu.MemoryUsedBytes > 0);
        Assert.InRange(cpu.Utilization, 0, 1);
        Assert.InRange(response.Fragmentation, 0, 1);
    }
}
