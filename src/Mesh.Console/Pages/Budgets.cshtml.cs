using Mesh.Console.Budgets;
using Mesh.Identity.V1;

namespace Mesh.Console.Pages;

/// <summary>The tenant's budgets (<c>ListBudgets</c>) with burn and projection.</summary>
public sealed class BudgetsModel(Identity.V1.Budgets.BudgetsClient budgets, TimeProvider time) : ConsolePage
{
    public IReadOnlyList<BudgetBurn> Budgets { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync()
    {
        Now = time.GetUtcNow();
        var response = await budgets.ListBudgetsAsync(new ListBudgetsRequest());
        Budgets = [.. response.Budgets.OrderBy(b => b.Scope == "tenant" ? 0 : 1).ThenBy(b => b.Scope, StringComparer.Ordinal).Select(b => BudgetBurn.From(b, Now))];
    }
}
