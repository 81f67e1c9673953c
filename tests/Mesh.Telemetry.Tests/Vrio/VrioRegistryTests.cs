using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>Registries that cannot be read leave the report to usage and metadata, and say so.</summary>
public sealed class VrioRegistryTests
{
    [Fact]
    public async Task ListCapabilities_RegistriesUnreachable_UsageAndMetadataWithANotePerRegistry()
    {
        var nowhere = $"http://127.0.0.1:{Mesh.DevServers.FreePort.Next()}";
        using var host = new TelemetryHost(new DateTimeOffset(VrioData.Now), new Dictionary<string, string?>
        {
            ["services:inference:http:0"] = nowhere,
            ["services:tools:http:0"] = nowhere,
            ["services:agents:http:0"] = nowhere,
        });
        var vrio = new V1.Vrio.VrioClient(host.Channel);
        var store = host.Services.GetRequiredService<IUsageStore>();
        await store.InsertAsync(VrioData.Records(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var listed = await vrio.ListCapabilitiesAsync(new ListCapabilitiesRequest { Kind = "tool" }, TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["new-tool", "ticket-router", "vendor-ocr"], listed.Capabilities.Select(c => c.Ref.Name));
        Assert.Equal(3, listed.Notes.Count);
        Assert.All(listed.Notes, n => Assert.Contains("registry not read (", n, StringComparison.Ordinal));
    }
}
