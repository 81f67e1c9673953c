using Mesh.Identity.V1;

namespace Mesh.Identity.Budgets;

/// <summary>Prices the most a call can use, in nano-dollars rounded up, with the price list telemetry bills by.</summary>
public sealed class ReservationPricer(IPriceListSource prices)
{
    /// <summary>
    /// What to reserve for <paramref name="bound"/> (when given) plus a fixed cost and tokens on
    /// top (<c>max_cost_usd</c>, <c>max_tokens</c>); null when the call asks for nothing: it uses
    /// nothing billable, and no budget holds it back.
    /// </summary>
    public async ValueTask<ReservationAsk?> AskAsync(UsageBound? bound, long extraCostNanos, long extraTokens, CancellationToken cancellationToken)
    {
        if (bound is null)
        {
            return extraCostNanos > 0 || extraTokens > 0 ? new ReservationAsk(extraCostNanos, extraTokens) : null;
        }

        var priced = await PriceAsync(bound, cancellationToken);
        return new ReservationAsk(SafeAdd(priced.CostNanos, extraCostNanos), SafeAdd(priced.Tokens, extraTokens),
            priced.Batched is { } batched ? batched with { CostNanos = SafeAdd(batched.CostNanos, extraCostNanos) } : null);
    }

    public async ValueTask<ReservationAsk> PriceAsync(UsageBound bound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var catalog = await prices.CurrentAsync(cancellationToken);
        var tokens = SafeAdd(bound.InputTokens, bound.OutputTokens);
        var alone = Price(bound, bound.ComputeMs);
        return bound.BatchSize > 1 && bound.BatchedComputeMs < bound.ComputeMs
            ? new ReservationAsk(alone, tokens, new BatchedCost(Price(bound, bound.BatchedComputeMs), bound.BatchSize))
            : new ReservationAsk(alone, tokens);

        long Price(UsageBound b, double computeMs)
        {
            try
            {
                return Nanos.FromUsdCeiling(catalog.Cost(b.Resource, b.InputTokens, b.OutputTokens, b.CachedTokens, Math.Max(0, computeMs), Math.Max(1, b.Calls)));
            }
            catch (OverflowException)
            {
                return long.MaxValue / 4;
            }
        }
    }

    private static long SafeAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
