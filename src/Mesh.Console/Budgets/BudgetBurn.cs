using Mesh.Console.Reports;
using Mesh.Identity.V1;

namespace Mesh.Console.Budgets;

/// <summary>
/// A budget as the page shows it: what is spent and reserved of its limit, how fast it burns
/// (spend per day since its period started) and, at that rate, what it will have spent when the
/// period ends and whether that crosses the limit.
/// </summary>
public sealed record BudgetBurn(Budget Budget, decimal Spent, decimal Reserved, decimal? Limit, DateTimeOffset? PeriodEnd, decimal? PerDay, decimal? Projected)
{
    /// <summary>Spent and reserved as a share of the limit (0..1, capped), for the bar.</summary>
    public double? Used => Limit is > 0m ? (double)Math.Min(1m, (Spent + Reserved) / Limit.Value) : null;

    public bool ProjectedOver => Projected is { } p && Limit is { } l && p > l;

    public static BudgetBurn From(Budget budget, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var spent = Money.Parse(budget.SpentUsd);
        var reserved = Money.Parse(budget.ReservedUsd);
        decimal? limit = string.IsNullOrEmpty(budget.CostLimitUsd) ? null : Money.Parse(budget.CostLimitUsd);
        var start = budget.PeriodStart?.ToDateTimeOffset();
        DateTimeOffset? end = (budget.Period, start) switch
        {
            ("day", { } s) => s.AddDays(1),
            ("month", { } s) => s.AddMonths(1),
            _ => null,
        };
        decimal? perDay = null, projected = null;
        if (start is { } from && now > from)
        {
            var elapsedDays = (decimal)(now - from).TotalDays;
            perDay = elapsedDays > 0 ? spent / elapsedDays : null;
            if (end is { } until && perDay is { } rate)
            {
                projected = spent + (rate * (decimal)Math.Max(0, (until - now).TotalDays));
            }
        }

        return new BudgetBurn(budget, spent, reserved, limit, end, perDay, projected);
    }
}
