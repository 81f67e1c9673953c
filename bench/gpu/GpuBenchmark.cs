using System.Diagnostics;
using Grpc.Core;
using Mesh.Inference.Generation;
using Mesh.Inference.KvBlocks;
using Mesh.Inference.Models;
using Mesh.Inference.Placement;
using Mesh.Inference.V1;
using Microsoft.ML.OnnxRuntime;

namespace Mesh.Bench;

/// <summary>
/// GPU orchestration on this machine: placement with and without consolidation over a fixed churn
/// trace (the planner on simulated devices), key-value memory held by sequences sharing a prefix (the
/// block manager), and, through the real service on Kestrel, time to first token with a cached
/// 512-token prefix and a light tenant's share of a device a heavy tenant saturates through another
/// model. Without a CUDA device the models go to a simulated device whose runs execute on the CPU.
/// </summary>
public sealed class GpuBenchmark : IBenchmark
{
    private const string Device = "sim:0";
    private const int PrefixTokens = 512;

    private static readonly string[] Words =
    [
        "agent", "tool", "model", "tenant", "budget", "policy", "workflow", "step", "result", "invoice", "ticket", "ledger", "report", "query",
        "answer", "device", "memory", "queue", "batch", "token", "prompt", "schema", "trace", "metric", "price", "region", "cluster", "node",
        "service", "request", "reply", "system", "user", "summary", "document", "record", "table", "column", "value", "error",
    ];

    public string Name => "gpu";

    public string Description => "placement with consolidation, key-value blocks shared by a prefix, prefix-cache time to first token, cross-model device-time fairness";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var cuda = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");
        report.Note($"{Environment.ProcessorCount} cores; CUDA provider in this build: {(cuda ? "yes" : "no")}; models on simulated device {Device} (runs execute on the CPU)");
        Placement(report);
        KvSharing(report);
        var root = Repository();
        try
        {
            await using var server = await BenchServer.StartAsync(root, cancellationToken, new Dictionary<string, string?>
            {
                ["Mesh:Inference:Devices:Simulated:0:MemoryMiB"] = "8192",
                ["Mesh:Inference:Devices:Simulated:0:Speed"] = "1",
            });
            await PrefixCacheAsync(report, server, cancellationToken);
            await CrossModelAsync(report, server, cancellationToken);
            await DevicesAsync(report, server, cancellationToken);
        }
        finally
        {
            // The server deletes its folder when it stops; this is for a start that failed.
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>20 seeded churn traces of 400 loads and unloads (1 to 6 GiB models) on four 10 GiB devices, planned with and without consolidation.</summary>
    private static void Placement(BenchReport report)
    {
        var (with, withPlaceable, without, withoutPlaceable, moves, fitInFree) = (0, 0, 0, 0, 0, 0);
        for (var seed = 1; seed <= 20; seed++)
        {
            var consolidating = Devices(consolidate: true);
            var naive = Devices(consolidate: false);
            ChurnTrace.Play(consolidating, seed, 400);
            ChurnTrace.Play(naive, seed, 400);
            (with, withPlaceable, moves, fitInFree) = (with + consolidating.PlacedOfPlaceable, withPlaceable + consolidating.Placeable, moves + consolidating.Moves, fitInFree + consolidating.FitInFreeMemory);
            (without, withoutPlaceable) = (without + naive.PlacedOfPlaceable, withoutPlaceable + naive.Placeable);
        }

        // Each run counts the loads some arrangement of whole models on its own devices could hold (the runs diverge once one refuses).
        report.Note($"placement: 20 traces of 400 steps on four 10 GiB devices; with consolidation {with} of {withPlaceable} loads that some arrangement holds placed ({moves} replicas moved; " +
            $"{fitInFree - withPlaceable} more fit in total free memory but in no arrangement of whole models), without {without} of {withoutPlaceable}");
        report.Figure("placement_success_with_consolidation", (double)with / withPlaceable, "0.000");
        report.Figure("placement_success_without_consolidation", (double)without / withoutPlaceable, "0.000");
    }

    private static PlacementSimulator Devices(bool consolidate) =>
        new([.. Enumerable.Range(0, 4).Select(i => ($"sim:{i}", 10L << 30))], consolidate);

    /// <summary>
    /// 16 sequences with one 512-token prefix (computed once first, as an agent's system prompt is)
    /// and 16 tokens of their own, each decoding 32 tokens, in tiny-gpt's block layout: the most
    /// blocks held at once with prefix caching over without.
    /// </summary>
    private static void KvSharing(BenchReport report)
    {
        var peak = new Dictionary<bool, int>();
        foreach (var caching in new[] { true, false })
        {
            var manager = new KvBlockManager(new KvBlockPool(new KvLayout(2, 4, 16, 16), 4096), caching);
            var prefix = Enumerable.Range(1, PrefixTokens).ToArray();
            var live = new List<KvSequence>();
            for (var s = 0; s < 16; s++)
            {
                int[] prompt = [.. prefix, .. Enumerable.Range(10_000 + (s * 16), 16)];
                var sequence = manager.TryStart(prompt, prompt.Length + 32) ?? throw new InvalidOperationException("pool too small");
                Step(manager, sequence, prompt[sequence.Length..]);
                live.Add(sequence);
            }

            for (var t = 0; t < 32; t++)
            {
                live.ForEach(s => Step(manager, s, [t]));
            }

            peak[caching] = manager.UsedBlocks;
            manager.Verify(live);
        }

        report.Note($"key-value blocks (16 positions) held by 16 sequences of 512 + 16 + 32 tokens: {peak[true]} with prefix caching, {peak[false]} without");
        report.Figure("kv_blocks_per_sequence_ratio", (double)peak[true] / peak[false], "0.000");
    }

    private static void Step(KvBlockManager manager, KvSequence sequence, int[] tokens)
    {
        if (!manager.TryReserve(sequence, tokens.Length))
        {
            throw new InvalidOperationException("pool too small");
        }

        sequence.Advance(tokens);
        manager.Commit(sequence);
    }

    /// <summary>
    /// Time to the first token of tiny-gpt for prompts of a 512-token prefix and a short question:
    /// cold (a prefix never seen) against warm (its prefix cached by an earlier call), interleaved, medians of 12.
    /// </summary>
    private static async Task PrefixCacheAsync(BenchReport report, BenchServer server, CancellationToken cancellationToken)
    {
        var shared = Prefix(new Random(1));
        await FirstTokenAsync(server, $"{shared} Warm up the cache.", cancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await FirstTokenAsync(server, $"{Prefix(new Random(100 + i))} Warm up.", cancellationToken);
        }

        var random = new Random(7);
        var (cold, warm, cachedTokens) = (new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < 12; i++)
        {
            var (coldMs, _) = await FirstTokenAsync(server, $"{Prefix(random)} Question {i}: what changed?", cancellationToken);
            var (warmMs, cached) = await FirstTokenAsync(server, $"{shared} Question {i}: what changed?", cancellationToken);
            cold.Add(coldMs);
            warm.Add(warmMs);
            cachedTokens.Add(cached);
        }

        cold.Sort();
        warm.Sort();
        cachedTokens.Sort();
        var (coldP50, warmP50) = (BenchReport.Percentile(cold, 50), BenchReport.Percentile(warm, 50));
        report.Note($"prefix cache: median cached prompt tokens of the warm calls {BenchReport.Percentile(cachedTokens, 50)}");
        report.Figure("prefix_cache_ttft_cold_ms", coldP50, "0.00");
        report.Figure("prefix_cache_ttft_warm_ms", warmP50, "0.00");
        report.Figure("prefix_cache_ttft_speedup", coldP50 / warmP50, "0.00");
    }

    /// <summary>About 512 GPT-2 tokens of words in an order of <paramref name="random"/>'s choosing.</summary>
    private static string Prefix(Random random)
    {
        var tokenizer = DecoderModelLoader.Gpt2Tokenizer;
        var words = new List<string>();
        while (tokenizer.CountTokens(string.Join(' ', words)) < PrefixTokens)
        {
            words.Add(Words[random.Next(Words.Length)]);
        }

        return string.Join(' ', words);
    }

    private static async Task<(double Ms, int CachedTokens)> FirstTokenAsync(BenchServer server, string prompt, CancellationToken cancellationToken)
    {
        var request = new GenerateRequest { Model = BuiltinModels.TinyGpt.Name, Prompt = prompt, MaxTokens = 1, IgnoreEos = true, Temperature = 0 };
        var started = Stopwatch.GetTimestamp();
        using var call = server.Client.Generate(request, BenchServer.As("ttft", cancellationToken));
        if (!await call.ResponseStream.MoveNext(cancellationToken))
        {
            throw new InvalidOperationException("no token came back");
        }

        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var last = call.ResponseStream.Current;
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            last = call.ResponseStream.Current;
        }

        return (ms, last.Summary?.CachedTokens ?? 0);
    }

    /// <summary>
    /// Tenant "heavy" runs 16 closed-loop generations (128-token prompts, 32 tokens) on tiny-gpt and
    /// tenant "light" 16 closed-loop embeddings (4 sentences) on MiniLM, both models on the one
    /// device, equal weights, for 8 s after 2 s of warm-up: light's share of the device's recent time.
    /// </summary>
    private static async Task CrossModelAsync(BenchReport report, BenchServer server, CancellationToken cancellationToken)
    {
        var heavyPrompt = string.Join(' ', Enumerable.Range(0, 128).Select(i => Words[i % Words.Length]));
        string[] sentences = ["Batching raises throughput on accelerators.", "Which tenant used the most tokens?", "Mesh meters every model call.", "The cat sleeps on the sofa."];
        var calls = new Dictionary<string, int> { ["heavy"] = 0, ["light"] = 0 };
        async Task RunAsync(string suffix, TimeSpan length)
        {
            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            window.CancelAfter(length);
            async Task Heavy()
            {
                while (!window.IsCancellationRequested)
                {
                    try
                    {
                        using var call = server.Client.Generate(
                            new GenerateRequest { Model = BuiltinModels.TinyGpt.Name, Prompt = heavyPrompt, MaxTokens = 32, IgnoreEos = true, Temperature = 0 },
                            BenchServer.As("heavy" + suffix, window.Token));
                        while (await call.ResponseStream.MoveNext(window.Token))
                        {
                        }

                        Count("heavy");
                    }
                    catch (RpcException) when (window.IsCancellationRequested)
                    {
                    }
                }
            }

            async Task Light()
            {
                while (!window.IsCancellationRequested)
                {
                    try
                    {
                        await server.Client.EmbedAsync(new EmbedRequest { Model = BuiltinModels.MiniLmL6V2.Name, Inputs = { sentences } }, BenchServer.As("light" + suffix, window.Token));
                        Count("light");
                    }
                    catch (RpcException) when (window.IsCancellationRequested)
                    {
                    }
                }
            }

            void Count(string tenant)
            {
                if (suffix.Length == 0)
                {
                    lock (calls)
                    {
                        calls[tenant]++;
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Heavy()).Concat(Enumerable.Range(0, 16).Select(_ => Light())));
        }

        await RunAsync("-warm", TimeSpan.FromSeconds(2));
        await RunAsync("", TimeSpan.FromSeconds(8));
        var devices = await server.Client.ListDevicesAsync(new ListDevicesRequest(), BenchServer.As("light", cancellationToken));
        var shares = devices.Devices.Single(d => d.Name == Device).TenantShares.ToDictionary(s => s.Tenant, s => s.Fraction);
        var (heavy, light) = (shares.GetValueOrDefault("heavy"), shares.GetValueOrDefault("light"));
        report.Note($"cross-model: {calls["heavy"]} generations (heavy), {calls["light"]} embedding calls (light) in 8 s; recent device time heavy {heavy:0.000}, light {light:0.000} of the device");
        report.Figure("cross_model_light_tenant_share", light / (light + heavy), "0.000");
    }

    /// <summary>What ListDevices says after the load (what <c>mesh devices</c> prints).</summary>
    private static async Task DevicesAsync(BenchReport report, BenchServer server, CancellationToken cancellationToken)
    {
        var devices = await server.Client.ListDevicesAsync(new ListDevicesRequest(), BenchServer.As("admin", cancellationToken));
        foreach (var device in devices.Devices.Where(d => d.Replicas.Count > 0))
        {
            report.Note($"device {device.Name} ({device.Kind}): {device.MemoryReservedBytes >> 20} of {device.MemoryTotalBytes >> 20} MiB reserved; measured weights {device.MemoryWeightsBytes >> 20} MiB, workspace {device.MemoryWorkspaceBytes >> 20} MiB, kv budget {device.MemoryKvBudgetBytes >> 20} MiB ({device.MemoryKvAllocatedBytes >> 20} MiB allocated); device time {device.ComputeMs / 1000:0.0} s");
            foreach (var replica in device.Replicas.Where(r => r.KvBlocksTotal > 0))
            {
                var lookups = replica.PrefixCacheHits + replica.PrefixCacheMisses;
                report.Note($"  {replica.Model}: kv blocks {replica.KvBlocksUsed} used, {replica.KvBlocksCached} cached of {replica.KvBlocksTotal}; prefix cache {replica.PrefixCacheHits}/{lookups} hits ({replica.PrefixCacheHitTokens} tokens), {replica.PrefixCacheEvictions} evictions, {replica.KvPreemptions} preemptions");
            }
        }

        report.Figure("devices_fragmentation", devices.Fragmentation, "0.000");
    }

    private static string Repository()
    {
        var builtin = Path.Combine(AppContext.BaseDirectory, "models");
        var root = Directory.CreateTempSubdirectory("mesh-bench-gpu-").FullName;
        var minilm = Directory.CreateDirectory(Path.Combine(root, BuiltinModels.MiniLmL6V2.Name)).FullName;
        File.CreateSymbolicLink(Path.Combine(minilm, BuiltinModels.MiniLmL6V2.PackageFile), BuiltinModels.MiniLmL6V2.PackagePath(builtin));
        File.WriteAllText(Path.Combine(minilm, "model.json"), """{ "maxBatch": 32 }""");
        var decoder = Directory.CreateDirectory(Path.Combine(root, BuiltinModels.TinyGpt.Name)).FullName;
        BuiltinModels.EnsureFiles(BuiltinModels.TinyGpt, builtin);
        File.CreateSymbolicLink(Path.Combine(decoder, "model.onnx"), BuiltinModels.TinyGpt.PackagePath(builtin));
        File.WriteAllText(Path.Combine(decoder, "model.json"), """{ "kvBlockTokens": 16 }""");
        return root;
    }
}
