using Google.Protobuf.WellKnownTypes;
using Mesh.Inference.Prewarm;
using Mesh.Inference.V1;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Inference.Tests;

/// <summary>
/// Pre-warm acts on telemetry's capacity view (which a telemetry test derives from a synthetic
/// daily cycle): here the view is given, and the test checks what inference does with it.
/// </summary>
public sealed class PredictivePrewarmTests : IDisposable
{
    private readonly RepositoryHost _repository = new();

    public void Dispose() => _repository.Dispose();

    /// <summary>The capacity view an hour before tiny-gpt's daily peak: tiny-gpt and affine busy, broken idle.</summary>
    private sealed class BeforeThePeak : ICapacitySource
    {
        public Task<CapacityReport> ReadAsync(int lookaheadHours, double busyCallsPerHour, CancellationToken cancellationToken) => Task.FromResult(new CapacityReport
        {
            Models =
            {
                new ModelCapacity { Model = "tiny-gpt", ExpectedCalls = 11.6, Busy = true, PeakAt = Timestamp.FromDateTime(DateTime.UtcNow) },
                new ModelCapacity { Model = "affine", ExpectedCalls = 4, Busy = true, PeakAt = Timestamp.FromDateTime(DateTime.UtcNow) },
                new ModelCapacity { Model = "broken", ExpectedCalls = 0, Busy = false, PeakAt = Timestamp.FromDateTime(DateTime.UtcNow) },
            },
        });
    }

    [Fact]
    public async Task RunOnce_ModelsForecastBusy_AreLoadedBeforeTheirPeakButNotOnesAnAdminUnloaded()
    {
        var factory = _repository.Factory
            .WithSetting("Mesh:Inference:Prewarm:Enabled", "true")
            .WithServices(s => s.Replace(ServiceDescriptor.Singleton<ICapacitySource>(new BeforeThePeak())));
        var client = _repository.CreateClient();
        await client.UnloadModelAsync(new UnloadModelRequest { Model = "affine" }, TestCalls.As(TestKeys.Admin));
        var before = (await client.ListModelsAsync(new ListModelsRequest(), TestCalls.As(TestKeys.Acme))).Models.ToDictionary(m => m.Name);

        var loaded = await factory.Services.GetRequiredService<PredictivePrewarmer>().RunOnceAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var after = (await client.ListModelsAsync(new ListModelsRequest(), TestCalls.As(TestKeys.Acme))).Models.ToDictionary(m => m.Name);
        Assert.Equal("unloaded", before["tiny-gpt"].State);
        Assert.Equal(["tiny-gpt"], loaded);
        Assert.Equal("ready", after["tiny-gpt"].State);
        Assert.Equal("unloaded", after["affine"].State);
        Assert.Equal("unloaded", after["broken"].State);
    }

    [Fact]
    public void AddPredictivePrewarm_Default_IsOff()
    {
        using var factory = new MeshServiceFactory<Mesh.Inference.Api.InferenceService>().WithSetting("Mesh:Inference:ModelRoot", _repository.Root);

        Assert.Null(factory.Services.GetService<PredictivePrewarmer>());
    }
}
