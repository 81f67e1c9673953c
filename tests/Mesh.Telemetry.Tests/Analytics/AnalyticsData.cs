using System.Text.Json;
using Mesh.Pricing;
using Mesh.Telemetry.Pricing;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Tests.Analytics;

/// <summary>Varied events over several days for the analytics tests, generated in bulk from a seed.</summary>
internal static class AnalyticsData
{
    public static readonly DateTime Start = new(2026, 2, 27, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Tenants = ["acme", "globex", "o'brien"];
    private static readonly string[] Models = ["all-MiniLM-L6-v2", "tiny-gpt"];
    private static readonly string[] Tools = ["calculator", "knowledge-search"];
    private static readonly string[] Statuses = ["ok", "ok", "ok", "ok", "error", "cancelled"];

    public static List<UsageRecord> Generate(int count, int seed, DateTime? start = null, TimeSpan? span = null)
    {
        var random = new Random(seed);
        var from = start ?? Start;
        var ticks = (span ?? TimeSpan.FromDays(5)).Ticks;
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var kind = random.Next(10) switch { < 4 => "model_call", < 6 => "embedding", < 8 => "tool_call", < 9 => "workflow_step", _ => "audit" };
            var model = kind is "model_call" or "embedding";
            var resource = kind == "model_call" ? "tiny-gpt" : kind == "embedding" ? "all-MiniLM-L6-v2" : kind == "tool_call" ? Tools[random.Next(2)] : "assistant";
            var input = model ? random.Next(1, 4000) : 0;
            var output = kind == "model_call" ? random.Next(0, 600) : 0;
            var total = random.NextDouble() * 900 + 0.2;
            var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["priority"] = random.Next(3) == 0 ? "interactive" : "batch" };
            if (random.Next(4) == 0)
            {
                attributes["note"] = "ünï €";
            }

            return new UsageRecord
            {
                EventId = Guid.NewGuid(),
                OccurredAt = from.AddTicks((long)(random.NextDouble() * ticks) / 10 * 10),
                TenantId = Tenants[random.Next(Tenants.Length)],
                PrincipalId = $"user-{random.Next(4)}",
                AgentId = random.Next(3) == 0 ? "" : "assistant",
                RunId = random.Next(3) == 0 ? "" : $"run-{random.Next(40)}",
                StepId = $"step-{random.Next(4)}",
                Service = model ? "inference" : kind == "tool_call" ? "tools" : "agents",
                Kind = kind,
                Resource = resource,
                ResourceVersion = random.Next(4) == 0 ? "2" : "1",
                Device = model ? (random.Next(2) == 0 ? "cpu" : "cuda:0") : "",
                InputTokens = input,
                OutputTokens = output,
                CachedTokens = input > 0 ? random.Next(0, input / 2 + 1) : 0,
                ReasoningTokens = output > 0 ? random.Next(0, output / 3 + 1) : 0,
                QueueMs = random.NextDouble() * 20,
                ComputeMs = total * random.NextDouble(),
                TotalMs = total,
                TtftMs = kind == "model_call" && output > 0 ? total * 0.2 : 0,
                BatchSize = random.Next(1, 16),
                Status = Statuses[random.Next(Statuses.Length)],
                CostUsd = random.Next(0, 2_000_000) / 1_000_000_000m,
                PriceVersion = "test",
                PricedAs = resource,
                Attributes = JsonSerializer.Serialize(attributes),
            };
        })];
    }

    /// <summary>A price book over <paramref name="store"/> seeded with a small list, as telemetry starts it.</summary>
    public static async Task<PriceBookProvider> PricesAsync(IUsageStore store)
    {
        var options = new PricingOptions();
        var list = new PriceListOptions();
        options.Lists["base"] = list;
        list.Resources["tiny-gpt"] = new ResourcePrice { InputPerMillionTokens = 0.05m, OutputPerMillionTokens = 0.2m, CachedPerMillionTokens = 0.01m, PerComputeSecond = 0.0001m };
        list.Resources["all-MiniLM-L6-v2"] = new ResourcePrice { InputPerMillionTokens = 0.02m, PerComputeSecond = 0.0001m };
        list.Resources["calculator"] = new ResourcePrice { PerCall = 0.0001m };
        var provider = new PriceBookProvider(store, Options.Create(options), TimeProvider.System, NullLogger<PriceBookProvider>.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await provider.StartAsync(timeout.Token);
        await provider.AddAsync(new DatedPriceList
        {
            Catalog = new PriceCatalog("march", [
                new PriceEntry { Resource = "tiny-gpt", InputPerMillionTokens = 0.1m, OutputPerMillionTokens = 0.4m, MinInputTokens = 0 },
                new PriceEntry { Resource = "tiny-gpt", InputPerMillionTokens = 0.2m, OutputPerMillionTokens = 0.8m, MinInputTokens = 2000 },
                new PriceEntry { Resource = "tiny-gpt", ResourceVersion = "2", InputPerMillionTokens = 0.3m, DeviceClass = "cuda", PerComputeSecond = 0.001m },
                new PriceEntry { Resource = "knowledge-search", PerCall = 0.00005m },
            ]),
            EffectiveFrom = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc),
            CreatedAt = DateTime.UnixEpoch,
            CreatedBy = "test",
        }, timeout.Token);
        return provider;
    }
}
