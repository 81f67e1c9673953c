namespace Mesh.Security.Authorization;

/// <summary>An amount of work against a budget: its cost in US dollars and its tokens.</summary>
public readonly record struct Spend(decimal CostUsd, long Tokens)
{
    public static Spend operator +(Spend left, Spend right) => new(left.CostUsd + right.CostUsd, left.Tokens + right.Tokens);

    public static Spend Add(Spend left, Spend right) => left + right;
}

/// <summary>Adds up the real spend of one call as its responses go out.</summary>
public sealed class SpendMeter
{
    private readonly Lock _lock = new();
    private Spend _total;

    /// <summary>What a rule learnt from earlier messages of the same call (e.g. the agent a run started).</summary>
    public string Context { get; set; } = "";

    public Spend Total
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    public void Add(Spend spend)
    {
        lock (_lock)
        {
            _total += spend;
        }
    }
}
