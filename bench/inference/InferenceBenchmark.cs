using System.Diagnostics;
using Grpc.Core;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Bench;

/// <summary>
/// Inference serving on this machine: dynamic batching of embeddings, the gRPC serving
/// overhead, continuous batching of generation, and fair sharing between tenants. Every
/// figure goes through the real service on Kestrel over loopback HTTP/2.
/// </summary>
public sealed class InferenceBenchmark(string[] args) : IBenchmark
{
    private const int Clients = 32;
    private const int CallsPerClient = 48;

    /// <summary>Long enough for the JIT to replace first-call code with optimised code (tiered compilation).</summary>
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The first section runs in a cold process: its served rate kept rising for about 10 s of load
    /// (875 calls/s in the first run after a 3 s warm-up, ~1,150 in the third), as tiered compilation
    /// replaced the gRPC and batching code.
    /// </summary>
    private static readonly TimeSpan ThroughputWarmUpTime = TimeSpan.FromSeconds(10);
    private static readonly string[] Sentences =
    [
        "How much does a GPU cost per hour?", "What is the hourly price of a graphics card?", "The cat sleeps on the sofa.",
        "Agents call tools and models many times per request.", "Batching raises throughput on accelerators.", "Which tenant used the most tokens?",
        "Mesh meters every model call.", "Latency percentiles matter more than averages.",
    ];

    public string Name => "inference";

    public string Description => "embedding batching, serving overhead, continuous batching of generation, tenant fairness";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        report.Note($"{Environment.ProcessorCount} cores; server and clients share them; every figure after warm-up, medians over repetitions");
        if (Runs("embed"))
        {
            await EmbeddingAsync(report, cancellationToken);
        }

        if (Runs("overhead"))
        {
            await OverheadAsync(report, cancellationToken);
        }

        if (Runs("generation"))
        {
            await GenerationAsync(report, cancellationToken);
        }

        if (Runs("fairness"))
        {
            await FairnessAsync(report, cancellationToken);
        }
    }

    /// <summary>True when no section is named on the command line, or this one is.</summary>
    private bool Runs(string section) => args.Length == 0 || args.Contains(section, StringComparer.OrdinalIgnoreCase);

    private static async Task EmbeddingAsync(BenchReport report, CancellationToken cancellationToken)
    {
        var (batchedRate, batchedLatency) = await EmbedThroughputAsync(report, 32, withCeiling: true, cancellationToken);
        var (singleRate, singleLatency) = await EmbedThroughputAsync(report, 1, withCeiling: false, cancellationToken);
        report.Figure("embed_batched_calls_per_s", batchedRate, "0.0");
        report.Figure("embed_batched_p50_ms", BenchReport.Percentile(batchedLatency, 50), "0.00");
        report.Figure("embed_batched_p95_ms", BenchReport.Percentile(batchedLatency, 95), "0.00");
        report.Figure("embed_batch1_calls_per_s", singleRate, "0.0");
        report.Figure("embed_batch1_p50_ms", BenchReport.Percentile(singleLatency, 50), "0.00");
        report.Figure("embed_batch1_p95_ms", BenchReport.Percentile(singleLatency, 95), "0.00");
        report.Figure("embed_batching_speedup", batchedRate / singleRate, "0.00");
    }

    /// <summary>
    /// 32 closed-loop clients, each sending single-sentence Embed calls: after warm-up, five runs,
    /// the median rate. <paramref name="withCeiling"/> also measures the ceiling after each run
    /// (<see cref="RawCeilingAsync"/>), so each run is judged against a ceiling measured beside it.
    /// </summary>
    private static async Task<(double Rate, List<double> Latency)> EmbedThroughputAsync(BenchReport report, int maxBatch, bool withCeiling, CancellationToken cancellationToken)
    {
        const int Runs = 5;
        await using var server = await BenchServer.StartAsync(BenchServer.Repository(maxBatch, withDecoder: false), cancellationToken);
        var model = await server.Services.GetRequiredService<ModelHost>().GetEmbeddingModelAsync(BuiltinModels.MiniLmL6V2, cancellationToken);
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < ThroughputWarmUpTime)
        {
            await RunClientsAsync(server, Clients, 8, cancellationToken);
            if (withCeiling)
            {
                await RawCeilingAsync(model, repetitions: 1, cancellationToken);
            }
        }

        var rates = new List<double>();
        var latency = new List<double>();
        var ceilings = new List<(int Batch, double RowsPerSecond)>();
        var ratios = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            var total = Stopwatch.StartNew();
            var samples = await RunClientsAsync(server, Clients, CallsPerClient, cancellationToken);
            rates.Add(samples.Count / total.Elapsed.TotalSeconds);
            latency.AddRange(samples);
            if (withCeiling)
            {
                ceilings.Add(await RawCeilingAsync(model, repetitions: 3, cancellationToken));
                ratios.Add(rates[^1] / ceilings[^1].RowsPerSecond);
            }
        }

        report.Note($"max batch {maxBatch}: {Runs} runs of {Clients * CallsPerClient} calls from {Clients} clients, {BenchReport.Join(rates, "0")} calls/s");
        if (withCeiling)
        {
            // The ceiling: ONNX Runtime alone on the same one-sentence inputs in batches of 1 to 32
            // (no server, no clients), the best batch's rows per second, measured after each run.
            report.Note($"raw ONNX Runtime after each run, best batch: {string.Join(", ", ceilings.Select(c => $"{c.Batch}: {c.RowsPerSecond:0} rows/s"))}; served over raw: {BenchReport.Join(ratios, "0.00")}");
            report.Figure("embed_raw_best_batch", ceilings.GroupBy(c => c.Batch).MaxBy(g => g.Count())!.Key, "0");
            report.Figure("embed_raw_best_batch_per_s", BenchReport.Median(ceilings.Select(c => c.RowsPerSecond)), "0.0");
            report.Figure("embed_mesh_vs_raw_ratio", BenchReport.Median(ratios), "0.00");
        }

        latency.Sort();
        return (BenchReport.Median(rates), latency);
    }

    private static async Task<List<double>> RunClientsAsync(BenchServer server, int clients, int calls, CancellationToken cancellationToken)
    {
        var samples = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            var mine = new List<double>();
            for (var i = 0; i < calls; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await server.Client.EmbedAsync(
                    new EmbedRequest { Model = BuiltinModels.MiniLmL6V2.Name, Inputs = { Sentences[(c + i) % Sentences.Length] } }, BenchServer.As("bench", cancellationToken));
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return mine;
        }));
        var all = samples.SelectMany(s => s).ToList();
        all.Sort();
        return all;
    }

    /// <summary>
    /// Batch 1, one caller: gRPC Embed p50 over a direct run of the same input on the same model,
    /// and ListModels (a trivial RPC through the same pipeline). After a warm-up long enough for
    /// the JIT's optimised code, the three run in alternating blocks, so drift on a shared machine
    /// hits all of them alike and no call follows another kind of work.
    /// </summary>
    private static async Task OverheadAsync(BenchReport report, CancellationToken cancellationToken)
    {
        const int Rounds = 40;
        const int Block = 16;
        await using var server = await BenchServer.StartAsync(BenchServer.Repository(32, withDecoder: false), cancellationToken);
        var model = await server.Services.GetRequiredService<ModelHost>().GetEmbeddingModelAsync(BuiltinModels.MiniLmL6V2, cancellationToken);
        var request = new EmbedRequest { Model = BuiltinModels.MiniLmL6V2.Name, Inputs = { Sentences[0] } };
        async Task ListAsync() => await server.Client.ListModelsAsync(new ListModelsRequest(), BenchServer.As("bench", cancellationToken));
        async Task EmbedAsync() => await server.Client.EmbedAsync(request, BenchServer.As("bench", cancellationToken));
        async Task DirectAsync()
        {
            using var lease = await model.AcquireAsync(cancellationToken);
            lease.Embed([Sentences[0]], cancellationToken);
        }

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < WarmUpTime)
        {
            await ListAsync();
            await EmbedAsync();
            await DirectAsync();
        }

        var floor = new List<double>();
        var grpc = new List<double>();
        var direct = new List<double>();
        var ratios = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            await TimeBlockAsync(ListAsync, Block, floor);
            var grpcRound = await TimeBlockAsync(EmbedAsync, Block, grpc);
            var directRound = await TimeBlockAsync(DirectAsync, Block, direct);
            ratios.Add(grpcRound / directRound);
        }

        grpc.Sort();
        direct.Sort();
        floor.Sort();
        report.Note($"serving overhead: {Rounds} rounds of {Block} ListModels, {Block} Embed and {Block} direct runs after {WarmUpTime.TotalSeconds:0} s of warm-up");
        report.Figure("grpc_list_models_p50_ms", BenchReport.Percentile(floor, 50), "0.000");
        report.Figure("embed_grpc_p50_ms", BenchReport.Percentile(grpc, 50), "0.000");
        report.Figure("embed_direct_p50_ms", BenchReport.Percentile(direct, 50), "0.000");
        report.Figure("embed_overhead_p50_ms", BenchReport.Percentile(grpc, 50) - BenchReport.Percentile(direct, 50), "0.000");
        // Each round's Embed p50 over its own direct p50 (neighbours in time), then the median round.
        ratios.Sort();
        report.Figure("embed_overhead_p50_ratio", BenchReport.Percentile(ratios, 50), "0.00");
    }

    /// <summary>
    /// The ceiling batched serving is judged against: ONNX Runtime alone embedding the same
    /// one-sentence inputs in batches of 1 to 32 rows (no server, no clients); the best batch and
    /// its rows per second (the median of <paramref name="repetitions"/> runs of 256 rows each).
    /// </summary>
    private static async Task<(int Batch, double RowsPerSecond)> RawCeilingAsync(Mesh.Inference.Embeddings.EmbeddingModel model, int repetitions, CancellationToken cancellationToken)
    {
        var rates = new Dictionary<int, double>();
        foreach (var batch in new[] { 1, 4, 8, 16, 32 })
        {
            var inputs = Enumerable.Range(0, batch).Select(i => Sentences[i % Sentences.Length]).ToArray();
            var runs = new List<double>();
            for (var repetition = 0; repetition < repetitions; repetition++)
            {
                var rows = 0;
                var started = Stopwatch.GetTimestamp();
                while (rows < 256)
                {
                    using var lease = await model.AcquireAsync(cancellationToken);
                    lease.Embed(inputs, cancellationToken);
                    rows += batch;
                }

                runs.Add(rows / Stopwatch.GetElapsedTime(started).TotalSeconds);
            }

            rates[batch] = BenchReport.Median(runs);
        }

        var best = rates.MaxBy(r => r.Value);
        return (best.Key, best.Value);
    }

    /// <summary>
    /// Times <paramref name="count"/> calls in a row into <paramref name="samples"/> and returns
    /// their p50; the first call, which follows other work, is not kept.
    /// </summary>
    private static async Task<double> TimeBlockAsync(Func<Task> call, int count, List<double> samples)
    {
        await call();
        var block = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call();
            block.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        samples.AddRange(block);
        block.Sort();
        return BenchReport.Percentile(block, 50);
    }

    /// <summary>
    /// 16 greedy streams of 64 tokens, all at once (continuous batching) and one after another,
    /// through the same gRPC service, after a warm-up as long as the embedding runs'. Beside each
    /// pair, the model alone runs the same steps at batch 1 and batch 16, with the greedy pick
    /// (the sampled step-batching bound), so each pair is judged against a bound measured under
    /// the same conditions. Figures are the medians over the pairs.
    /// </summary>
    private static async Task GenerationAsync(BenchReport report, CancellationToken cancellationToken)
    {
        const int Streams = 16;
        const int Tokens = 64;
        const int Repetitions = 11;
        await using var server = await BenchServer.StartAsync(BenchServer.Repository(32, withDecoder: true), cancellationToken);
        GenerateRequest Request(int i) => new() { Model = BuiltinModels.TinyGpt.Name, Prompt = Sentences[i % Sentences.Length], MaxTokens = Tokens, IgnoreEos = true };
        async Task<int> StreamAsync(int i)
        {
            using var call = server.Client.Generate(Request(i), BenchServer.As("bench", cancellationToken));
            var tokens = 0;
            await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                tokens += response.TokenIds.Count;
            }

            return tokens;
        }

        async Task<double> SequentialAsync()
        {
            var started = Stopwatch.GetTimestamp();
            var tokens = 0;
            for (var i = 0; i < Streams; i++)
            {
                tokens += await StreamAsync(i);
            }

            return tokens / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        async Task<double> ConcurrentAsync()
        {
            var started = Stopwatch.GetTimestamp();
            var tokens = (await Task.WhenAll(Enumerable.Range(0, Streams).Select(StreamAsync))).Sum();
            return tokens / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        // The model alone: decode steps over the streams' own lengths (a 9-token prompt, then 64
        // steps), the median step, with or without the greedy pick of each row's next token.
        var decoder = ((Mesh.Inference.Generation.ServedDecoderModel)await server.Services.GetRequiredService<ModelHost>().GetAsync(BuiltinModels.TinyGpt, cancellationToken)).Model;
        double StepMs(int batch, bool pick, int repetitions)
        {
            var samples = new List<double>();
            var picked = 0;
            for (var repetition = 0; repetition < repetitions; repetition++)
            {
                var caches = Enumerable.Range(0, batch).Select(_ => decoder.NewCache(9 + Tokens)).ToList();
                decoder.Forward([.. caches.Select(c => new Mesh.Inference.Generation.DecoderRow(c, [.. Enumerable.Range(100, 9)]))], (_, _) => { });
                for (var i = 0; i < Tokens; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    decoder.Forward(
                        [.. caches.Select(c => new Mesh.Inference.Generation.DecoderRow(c, [7]))],
                        (_, logits) => Interlocked.Add(ref picked, pick ? Mesh.Inference.Generation.Logits.ArgMax(logits) : 0));
                    samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }

            samples.Sort();
            return BenchReport.Percentile(samples, 50) + (picked < 0 ? 1 : 0);
        }

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < ThroughputWarmUpTime)
        {
            await SequentialAsync();
            await ConcurrentAsync();
            StepMs(1, pick: true, 1);
            StepMs(16, pick: true, 1);
        }

        var (sequential, concurrent, speedups) = (new List<double>(), new List<double>(), new List<double>());
        var (bounds, shares) = (new List<double>(), new List<double>());
        for (var r = 0; r < Repetitions; r++)
        {
            sequential.Add(await SequentialAsync());
            concurrent.Add(await ConcurrentAsync());
            var bound = 16 * StepMs(1, pick: true, 2) / StepMs(16, pick: true, 2);
            speedups.Add(concurrent[^1] / sequential[^1]);
            bounds.Add(bound);
            shares.Add(speedups[^1] / bound);
        }

        report.Note($"generation: {Repetitions} pairs of {Streams} streams x {Tokens} tokens, one after another then all at once, each beside the model's own steps; medians");
        report.Note($"per pair: speedup {BenchReport.Join(speedups, "0.00")}; sampled step-batching bound {BenchReport.Join(bounds, "0.00")}");
        report.Figure("generate_sequential_tokens_per_s", BenchReport.Median(sequential), "0");
        report.Figure("generate_concurrent16_tokens_per_s", BenchReport.Median(concurrent), "0");
        report.Figure("generate_continuous_speedup", BenchReport.Median(speedups), "0.00");

        var (one, sixteen) = (StepMs(1, pick: false, 5), StepMs(16, pick: false, 5));
        var (onePicked, sixteenPicked) = (StepMs(1, pick: true, 5), StepMs(16, pick: true, 5));
        report.Figure("generate_step_batch1_ms", one, "0.000");
        report.Figure("generate_step_batch16_ms", sixteen, "0.000");
        report.Figure("generate_step_batching_bound", 16 * one / sixteen, "0.00");
        report.Figure("generate_step_sampled_batch1_ms", onePicked, "0.000");
        report.Figure("generate_step_sampled_batch16_ms", sixteenPicked, "0.000");
        report.Figure("generate_step_sampled_batching_bound", BenchReport.Median(bounds), "0.00");
        // Continuous batching as a share of what batching the steps alone can give (the sampled bound beside each pair).
        report.Figure("generate_continuous_share_of_bound", BenchReport.Median(shares), "0.00");
    }

    /// <summary>
    /// Tenant "heavy" runs 80 closed-loop Embed clients and tenant "light" 8 (a tenth of the
    /// load) against MiniLM with max batch 8, for 4 s. Both nearly always have work waiting, so
    /// fair sharing gives each about half of the rows; first-come-first-served would give light 8/88.
    /// </summary>
    private static async Task FairnessAsync(BenchReport report, CancellationToken cancellationToken)
    {
        await using var server = await BenchServer.StartAsync(BenchServer.Repository(8, withDecoder: false), cancellationToken);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(TimeSpan.FromSeconds(4));
        var served = new Dictionary<string, int> { ["heavy"] = 0, ["light"] = 0 };
        var queueMs = new Dictionary<string, List<double>> { ["heavy"] = [], ["light"] = [] };
        async Task ClientAsync(string tenant, int c)
        {
            for (var i = 0; !window.IsCancellationRequested; i++)
            {
                try
                {
                    var response = await server.Client.EmbedAsync(
                        new EmbedRequest { Model = BuiltinModels.MiniLmL6V2.Name, Inputs = { Sentences[(c + i) % Sentences.Length] } }, BenchServer.As(tenant, window.Token));
                    lock (served)
                    {
                        served[tenant]++;
                        queueMs[tenant].Add(response.QueueMs);
                    }
                }
                catch (RpcException) when (window.IsCancellationRequested)
                {
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 80).Select(c => ClientAsync("heavy", c)).Concat(Enumerable.Range(0, 8).Select(c => ClientAsync("light", c))));
        var share = (double)served["light"] / (served["light"] + served["heavy"]);
        queueMs["light"].Sort();
        queueMs["heavy"].Sort();
        report.Note($"fairness: heavy {served["heavy"]} calls, light {served["light"]} calls in 4 s");
        report.Figure("fairness_light_share", share, "0.000");
        report.Figure("fairness_light_share_fair", 0.5, "0.000");
        report.Figure("fairness_light_share_fifo", 8.0 / 88, "0.000");
        report.Figure("fairness_light_queue_p50_ms", BenchReport.Percentile(queueMs["light"], 50), "0.00");
        report.Figure("fairness_heavy_queue_p50_ms", BenchReport.Percentile(queueMs["heavy"], 50), "0.00");
    }
}
