using Grpc.Core;
using Mesh.Identity.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>A Budgets service with one tenant budget, counting the lists it is asked for.</summary>
public sealed class FakeBudgets : Budgets.BudgetsBase
{
    private int _lists;

    public int Lists => _lists;

    public override Task<ListBudgetsResponse> ListBudgets(ListBudgetsRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _lists);
        var budget = new Budget { TenantId = "acme", Scope = "tenant", CostLimitUsd = "0.05", SpentUsd = "0.01", ReservedUsd = "0.005", RemainingUsd = "0.035", Period = "month" };
        return Task.FromResult(new ListBudgetsResponse { Budgets = { budget } });
    }
}
