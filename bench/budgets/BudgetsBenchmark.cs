using System.Globalization;
using Grpc.Core;
using Mesh.DevServers;
using Mesh.Identity.Budgets;
using Mesh.Identity.V1;
using Mesh.Inference.V1;
using Mesh.Pricing;
using Mesh.Security.Tests;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Bench;

/// <summary>
/// Whether a budget can be used: a sustained concurrent load of embeds (then of generations)
/// against a budget of a few hundred calls, stopped at the first refusal. How much of the
/// budget the admitted work really spent once settled, and how far each call's reservation was
/// above what it was billed.
/// </summary>
public sealed class BudgetsBenchmark : IBenchmark
{
    private const int Callers = 16;
    private const int CallsInBudget = 300;
    private static readonly string Input = string.Join(' ', Enumerable.Repeat("Mesh meters every call so budgets can hold.", 20));

    public string Name => "budgets";

    public string Description => "budget utilization at the first refusal and reservation over real cost, embed and generate";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        // The in-memory hosts find each service's content root (its appsettings and models) in the repository.
        foreach (var service in new[] { "Identity", "Inference", "Tools", "Agents", "Telemetry" })
        {
            Environment.SetEnvironmentVariable($"ASPNETCORE_TEST_CONTENTROOT_MESH_{service.ToUpperInvariant()}", Path.Combine(MeshBuild.RepositoryRoot(), "src", $"Mesh.{service}"));
        }

        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        using var mesh = new SecureMesh();
        var prices = TelemetryPriceListSource.ToCatalog(await new Telemetry.V1.Prices.PricesClient(mesh.Channel("telemetry"))
            .GetPriceListAsync(new Telemetry.V1.GetPriceListRequest(), TestCalls.As(TestKeys.Admin)));
        var embed = await MeasureAsync(report, mesh, prices, "embed", UsageKind.Embedding,
            (key, ct) => mesh.InferenceClient.EmbedAsync(new EmbedRequest { Model = "all-MiniLM-L6-v2", Inputs = { Input } }, TestCalls.As(key, timeout: TimeSpan.FromSeconds(60))).ResponseAsync,
            cancellationToken);
        var generate = await MeasureAsync(report, mesh, prices, "generate", UsageKind.ModelCall,
            async (key, ct) =>
            {
                using var call = mesh.InferenceClient.Generate(new GenerateRequest { Model = "tiny-gpt", Prompt = "Once upon a time", MaxTokens = 16, Seed = 7 },
                    TestCalls.As(key, timeout: TimeSpan.FromSeconds(60)));
                while (await call.ResponseStream.MoveNext(ct))
                {
                }

                return call;
            },
            cancellationToken);
        report.Note("the aims hold for both: the lower utilization and the higher reservation ratio of the two");
        report.Figure("budget_utilization_at_refusal", Math.Min(embed.Utilization, generate.Utilization), "0.000");
        report.Figure("reservation_over_real_cost_p50", Math.Max(embed.ReservationP50, generate.ReservationP50), "0.00");
    }

    private static async Task<(double Utilization, double ReservationP50)> MeasureAsync<T>(
        BenchReport report, SecureMesh mesh, PriceCatalog prices, string name, UsageKind kind, Func<string, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        // Calls enough for the compute estimates to rest on measurements, then one call's real cost.
        var (_, warm) = await mesh.CreateTenantAsync($"warm-{name}");
        for (var i = 0; i < 32; i++)
        {
            await call(warm, cancellationToken);
        }

        var (_, probe) = await mesh.CreateTenantAsync($"one-{name}");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "100" }, TestCalls.As(probe));
        for (var i = 0; i < 8; i++)
        {
            await call(probe, cancellationToken);
        }

        await mesh.SettledBudgetAsync(probe);
        var oneCall = await mesh.BilledAsync(probe) / 8;

        var (tenant, key) = await mesh.CreateTenantAsync($"load-{name}");
        var limit = Math.Round(oneCall * CallsInBudget, 9);
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = limit.ToString(CultureInfo.InvariantCulture) }, TestCalls.As(key));
        using var refused = new CancellationTokenSource();
        var admitted = 0;
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (!refused.IsCancellationRequested)
            {
                try
                {
                    await call(key, cancellationToken);
                    Interlocked.Increment(ref admitted);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
                {
                    await refused.CancelAsync();
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);

        var budget = await mesh.SettledBudgetAsync(key);
        var spent = decimal.Parse(budget.SpentUsd, CultureInfo.InvariantCulture);
        var ratios = mesh.Inference.Usage.Events
            .Where(e => e.TenantId == tenant && e.Kind == kind && e.ReservedUsd.Length > 0 && e.Status == UsageStatus.Ok)
            .Select(e => (double)(decimal.Parse(e.ReservedUsd, CultureInfo.InvariantCulture) / prices.Cost(e)))
            .Order().ToList();
        report.Note($"{name}: one call costs ${oneCall:0.#########}; a budget of ${limit} ({CallsInBudget} calls) under {Callers} concurrent callers: "
            + $"{admitted} calls ran before the first refusal, ${spent} spent once settled");
        report.Figure($"{name}_budget_utilization_at_refusal", (double)(spent / limit), "0.000");
        report.Figure($"{name}_reservation_over_real_cost_p50", BenchReport.Percentile(ratios, 50), "0.00");
        report.Figure($"{name}_reservation_over_real_cost_p99", BenchReport.Percentile(ratios, 99), "0.00");
        return ((double)(spent / limit), BenchReport.Percentile(ratios, 50));
    }
}
