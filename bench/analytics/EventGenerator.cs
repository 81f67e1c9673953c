using Mesh.Telemetry.Storage;

namespace Mesh.Bench;

/// <summary>
/// A month of agent traffic in time order (so each batch's duplicate check touches only its own
/// slice): 20 tenants, 6 models, 4 tools and agent steps, with a daily cycle in volume.
/// </summary>
public sealed class EventGenerator(int seed)
{
    public static readonly DateTime MonthStart = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly string[] Models = ["tiny-gpt", "all-MiniLM-L6-v2", "gpt-small", "gpt-large", "reranker", "vision-s"];
    private static readonly string[] Tools = ["calculator", "knowledge-search", "http-get", "sql"];
    private static readonly string[] Attributes =
    [
        "{\"priority\":\"batch\"}", "{\"priority\":\"interactive\"}", "{\"priority\":\"standard\",\"finish_reason\":\"stop\"}",
    ];

    private readonly Random _random = new(seed);

    /// <summary>Events of [from, from + span), <paramref name="count"/> of them, in time order.</summary>
    public List<UsageRecord> Slice(DateTime from, TimeSpan span, int count)
    {
        var times = new long[count];
        for (var i = 0; i < count; i++)
        {
            times[i] = from.Ticks + ((long)(_random.NextDouble() * span.Ticks) / 10 * 10);
        }

        Array.Sort(times);
        var records = new List<UsageRecord>(count);
        foreach (var ticks in times)
        {
            records.Add(Next(new DateTime(ticks, DateTimeKind.Utc)));
        }

        return records;
    }

    private UsageRecord Next(DateTime at)
    {
        var r = _random;
        var tenant = $"tenant-{Math.Min(19, (int)(r.NextDouble() * r.NextDouble() * 20)):00}";
        var roll = r.Next(100);
        var kind = roll < 45 ? "model_call" : roll < 65 ? "embedding" : roll < 85 ? "tool_call" : roll < 97 ? "workflow_step" : "audit";
        var resource = kind switch
        {
            "model_call" => Models[r.Next(6) switch { 0 or 1 => 0, 2 => 2, 3 => 3, 4 => 4, _ => 5 }],
            "embedding" => "all-MiniLM-L6-v2",
            "tool_call" => Tools[r.Next(Tools.Length)],
            "workflow_step" => "assistant",
            _ => "model:tiny-gpt",
        };
        var model = kind is "model_call" or "embedding";
        var input = model ? r.Next(8, 4000) : 0;
        var output = kind == "model_call" ? r.Next(1, 700) : 0;
        var compute = model ? 2 + (r.NextDouble() * 60) + (output * 0.4) : r.NextDouble() * 30;
        var queue = r.NextDouble() * r.NextDouble() * 40;
        return new UsageRecord
        {
            EventId = Guid.NewGuid(),
            OccurredAt = at,
            TenantId = tenant,
            PrincipalId = $"user-{r.Next(50)}",
            AgentId = r.Next(4) == 0 ? "" : "assistant",
            RunId = r.Next(4) == 0 ? "" : $"run-{r.Next(2_000_000)}",
            StepId = $"step-{r.Next(8)}",
            Service = model ? "inference" : kind == "tool_call" ? "tools" : kind == "audit" ? "identity" : "agents",
            Kind = kind,
            Resource = resource,
            ResourceVersion = r.Next(5) == 0 ? "2" : "1",
            Device = model ? (r.Next(3) == 0 ? "cpu" : $"cuda:{r.Next(2)}") : "",
            InputTokens = input,
            OutputTokens = output,
            CachedTokens = input > 0 && r.Next(3) == 0 ? r.Next(0, input / 2) : 0,
            ReasoningTokens = output > 0 && r.Next(4) == 0 ? r.Next(0, output / 2) : 0,
            QueueMs = queue,
            ComputeMs = compute,
            TotalMs = queue + compute + 0.3,
            TtftMs = kind == "model_call" ? queue + 2 + (r.NextDouble() * 20) : 0,
            BatchSize = r.Next(1, 17),
            Status = r.Next(50) == 0 ? "error" : "ok",
            CostUsd = kind == "audit" ? 0 : r.Next(1, 300_000) / 1_000_000_000m,
            PriceVersion = "base",
            PricedAs = resource,
            Attributes = Attributes[r.Next(Attributes.Length)],
        };
    }
}
