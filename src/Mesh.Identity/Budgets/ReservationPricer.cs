using Mesh.Identity.V1;

namespace Mesh.Identity.Budgets;

/// <summary>Prices the most a call can use, in nano-dollars rounded up, with the price list telemetry bills by.</summary>
public sealed class ReservationPricer(IPriceListSource prices)
{
    public async ValueTask<(long CostNanos, long Tokens)> PriceAsync(UsageBound bound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var catalog = await prices.CurrentAsync(cancellationToken);
        var calls = Math.Max(1, bound.Calls);
        var tokens = SafeAdd(bound.InputTokens, bound.OutputTokens);
        try
        {
            var cost = catalog.Cost(bound.Resource, bound.InputTokens, bound.OutputTokens, bound.CachedTokens, bound.ComputeMs, calls);
            return (Nanos.FromUsdCeiling(cost), tokens);
        }
        catch (OverflowException)
        {
            return (long.MaxValue / 4, tokens);
        }
    }

    private static long SafeAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
