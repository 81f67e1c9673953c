using Mesh.Inference.V1;
using Mesh.Testing;

namespace Mesh.Inference.Tests.Gpu;

/// <summary>End to end on a simulated device (runs on the CPU): the prefix cache changes what is computed, never the tokens.</summary>
[Collection(GpuHostCollection.Name)]
public sealed class PrefixCacheTests(GpuHost host)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>A system prompt of about 90 tokens no other test sends.</summary>
    private static string SystemPrompt() =>
        $"You are agent {Guid.NewGuid():N}. Follow the workflow's instructions exactly, cite every tool result you use, never invent " +
        "figures, keep answers short, ask when the task is unclear, refuse what the policy forbids, and log each step you take " +
        "with its inputs and outputs so the run can be replayed. Today's task follows.";

    private static GenerateRequest Request(string model, string prompt) =>
        new() { Model = model, Prompt = prompt, MaxTokens = 12, IgnoreEos = true, Temperature = 0 };

    private async Task<(List<int> Tokens, GenerateSummary Summary)> Generate(string model, string prompt, string tenant)
    {
        using var call = host.CreateClient().Generate(Request(model, prompt), TestCalls.As(TestKeys.Admin, tenant));
        var (_, tokens, last) = await GenerateTests.ReadAll(call).WaitAsync(Timeout);
        return (tokens, last.Summary);
    }

    [Fact]
    public async Task Generate_PromptWhosePrefixIsCached_SameTokensAsWithoutTheCacheTokenForToken()
    {
        var tenant = InferenceHost.NewTenant();
        var system = SystemPrompt();
        string[] prompts = [$"{system} Summarize the invoice.", $"{system} Summarize the invoice.", $"{system} List the open tickets."];

        var cold = new List<List<int>>();
        var cached = new List<(List<int> Tokens, GenerateSummary Summary)>();
        foreach (var prompt in prompts)
        {
            cold.Add((await Generate(GpuHost.Cold, prompt, tenant)).Tokens);
            cached.Add(await Generate(GpuHost.Cached, prompt, tenant));
        }

        Assert.Equal(cold, cached.Select(c => c.Tokens));
        Assert.Equal(0, cached[0].Summary.CachedTokens);
        // The repeat reuses all its full blocks; the other task reuses the system prompt's.
        Assert.True(cached[1].Summary.CachedTokens >= 80, $"cached {cached[1].Summary.CachedTokens} of {cached[1].Summary.InputTokens}");
        Assert.True(cached[2].Summary.CachedTokens >= 64, $"cached {cached[2].Summary.CachedTokens} of {cached[2].Summary.InputTokens}");
        Assert.All(cached, c => Assert.True(c.Summary.KvBlocks >= (c.Summary.InputTokens + 11) / 16));
        Assert.All(cached, c => Assert.Equal(GpuHost.Device, c.Summary.Device));
    }

    [Fact]
    public async Task Generate_CachedPrefix_UsageEventSaysSoWithBlocksAndDeviceTime()
    {
        var tenant = InferenceHost.NewTenant();
        var prompt = $"{SystemPrompt()} Draft the reply.";

        await Generate(GpuHost.Cached, prompt, tenant);
        await Generate(GpuHost.Cached, prompt, tenant);

        var events = host.EventsOf(tenant);
        Assert.Equal(2, events.Count);
        Assert.Equal(["miss", "hit"], events.Select(e => e.Attributes["prefix_cache"]));
        Assert.Equal(0, events[0].CachedTokens);
        Assert.True(events[1].CachedTokens > 0);
        Assert.All(events, e => Assert.True(int.Parse(e.Attributes["kv_blocks"], System.Globalization.CultureInfo.InvariantCulture) > 0));
        Assert.All(events, e => Assert.True(e.ComputeMs > 0));
        Assert.All(events, e => Assert.Equal(GpuHost.Device, e.Device));
    }

    [Fact]
    public async Task ListDevices_AfterCachedCalls_ShowsTheSimulatedDeviceItsReplicaPoolAndCacheCounts()
    {
        var tenant = InferenceHost.NewTenant();
        var prompt = $"{SystemPrompt()} Check the ledger.";
        await Generate(GpuHost.Cached, prompt, tenant);
        await Generate(GpuHost.Cached, prompt, tenant);

        var devices = await host.CreateClient().ListDevicesAsync(new ListDevicesRequest(), TestCalls.As(TestKeys.Admin, tenant)).ResponseAsync.WaitAsync(Timeout);

        var sim = Assert.Single(devices.Devices, d => d.Name == GpuHost.Device);
        Assert.True(sim.Simulated);
        Assert.Equal(2, sim.Speed);
        Assert.Equal(4096L << 20, sim.MemoryTotalBytes);
        Assert.True(sim.ComputeMs > 0);
        Assert.Contains(sim.TenantShares, s => s.Tenant == tenant && s.Fraction > 0);
        var replica = Assert.Single(sim.Replicas, r => r.Model == GpuHost.Cached);
        Assert.True(replica.MemoryKvBudgetBytes > 0);
        Assert.True(replica.MemoryKvAllocatedBytes > 0);
        Assert.True(replica.KvBlocksTotal > 0);
        Assert.True(replica.PrefixCacheHits >= 1);
        Assert.True(replica.PrefixCacheHitTokens >= 64);
        Assert.True(sim.MemoryReservedBytes >= replica.MemoryReservedBytes);
    }

    [Fact]
    public async Task Generate_CallsEndingAtTheirFirstTokenOrLater_GiveEveryBlockBack()
    {
        var tenant = InferenceHost.NewTenant();
        var client = host.CreateClient();
        foreach (var maxTokens in new[] { 1, 1, 5 })
        {
            var request = Request(GpuHost.Cached, $"{SystemPrompt()} Close the ticket.");
            request.MaxTokens = maxTokens;
            using var call = client.Generate(request, TestCalls.As(TestKeys.Admin, tenant));
            await GenerateTests.ReadAll(call).WaitAsync(Timeout);
        }

        // The engine frees a finished sequence's blocks just after its last token went out.
        ReplicaInfo replica = null!;
        var deadline = DateTime.UtcNow + Timeout;
        do
        {
            var devices = await client.ListDevicesAsync(new ListDevicesRequest(), TestCalls.As(TestKeys.Admin, tenant)).ResponseAsync.WaitAsync(Timeout);
            replica = devices.Devices.Single(d => d.Name == GpuHost.Device).Replicas.Single(r => r.Model == GpuHost.Cached);
        }
        while (replica.KvBlocksUsed > 0 && replica.Running == 0 && DateTime.UtcNow < deadline && await Task.Delay(20).ContinueWith(_ => true));

        Assert.Equal(0, replica.KvBlocksUsed);
        Assert.True(replica.KvBlocksCached > 0);
    }
}
