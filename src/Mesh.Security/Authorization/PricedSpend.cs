using Mesh.Pricing;
using Mesh.Usage.V1;

namespace Mesh.Security.Authorization;

/// <summary>Prices work the way telemetry will bill it, so reservations and settlements match the bill.</summary>
public static class PricedSpend
{
    /// <summary>The spend of <paramref name="resource"/> with these tokens and compute time.</summary>
    public static Spend Of(PriceCatalog prices, string resource, long inputTokens, long outputTokens, double computeMs)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var usage = new UsageEvent { Resource = resource, InputTokens = inputTokens, OutputTokens = outputTokens, ComputeMs = computeMs };
        try
        {
            return new Spend(prices.Cost(usage), inputTokens + outputTokens);
        }
        catch (OverflowException)
        {
            return new Spend(decimal.MaxValue / 4, inputTokens + outputTokens);
        }
    }
}
