using System.Globalization;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Tools.V1;

namespace Mesh.Security.Tests;

/// <summary>A burst of concurrent requests against a budget that covers one request cannot overspend.</summary>
public sealed class BudgetBurstTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private const decimal CalculatorMaxCost = 0.0001m; // its price per call (mesh-prices.json), no compute price

    [Fact]
    public async Task InvokeTool_64ConcurrentAgainstAOneCallBudget_OverspendsByAtMostOneCall()
    {
        var (_, admin) = await mesh.CreateTenantAsync("burst");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = CalculatorMaxCost.ToString(CultureInfo.InvariantCulture) }, TestCalls.As(admin));
        var request = new InvokeToolRequest { Tool = "calculator", ArgumentsJson = "{\"expression\":\"1+1\"}" };
        using var start = new ManualResetEventSlim();

        var calls = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            start.Wait(TimeSpan.FromSeconds(30));
            try
            {
                await mesh.ToolsClient.InvokeToolAsync(request, TestCalls.As(user, timeout: TimeSpan.FromSeconds(60)));
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(90));

        var budget = (await mesh.BudgetsClient.ListBudgetsAsync(new ListBudgetsRequest(), TestCalls.As(admin))).Budgets.Single();
        var spent = decimal.Parse(budget.SpentUsd, CultureInfo.InvariantCulture) + decimal.Parse(budget.ReservedUsd, CultureInfo.InvariantCulture);
        Assert.InRange(outcomes.Count(o => o == StatusCode.OK), 1, 2);
        Assert.All(outcomes.Where(o => o != StatusCode.OK), o => Assert.Equal(StatusCode.ResourceExhausted, o));
        Assert.True(spent <= CalculatorMaxCost * 2, $"spent {spent} against a budget of {CalculatorMaxCost}");
    }

    [Fact]
    public async Task InvokeTool_BudgetUsedUp_ResourceExhaustedNamingTheBudget()
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("spent");
        var (_, user) = await mesh.CreateUserAsync(admin, "carol");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { Scope = "user:carol", CostLimitUsd = "0.0001" }, TestCalls.As(admin));
        var request = new InvokeToolRequest { Tool = "calculator", ArgumentsJson = "{\"expression\":\"1+1\"}" };

        await mesh.ToolsClient.InvokeToolAsync(request, TestCalls.As(user));
        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.InvokeToolAsync(request, TestCalls.As(user)).ResponseAsync);
        var budget = await mesh.SettledBudgetAsync(admin, "user:carol");

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains($"user:carol in tenant {tenant}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(("0.0001", "0"), (budget.SpentUsd, budget.RemainingUsd));
    }
}
