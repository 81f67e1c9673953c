using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Identity.Access;
using Mesh.Identity.Budgets;
using Mesh.Identity.Principals;
using Mesh.Identity.V1;
using Mesh.Security;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Api;

/// <summary>Budgets of the caller's tenant: set and delete (tenant admins), list; reserve and settle (services).</summary>
public sealed class BudgetsService(IBudgetStore store, IPrincipalStore principals, Requester requester, ReservationPricer pricer, TimeProvider time) : V1.Budgets.BudgetsBase
{
    public override Task<Budget> SetBudget(SetBudgetRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = requester.RequireTenantAdmin("set budgets");
        var scope = Scope(request.Scope);
        long? cost = null;
        if (!string.IsNullOrWhiteSpace(request.CostLimitUsd))
        {
            cost = Nanos.TryParseUsd(request.CostLimitUsd, out var usd) ? Nanos.FromUsd(usd)
                : throw MeshErrors.InvalidArgument("cost_limit_usd", "must be a non-negative decimal number of US dollars, e.g. 25.50");
        }

        if (request.TokenLimit < 0 || request.RequestsPerMinute < 0)
        {
            throw MeshErrors.InvalidArgument(request.TokenLimit < 0 ? "token_limit" : "requests_per_minute", "must be 0 (no limit) or positive");
        }

        var period = string.IsNullOrWhiteSpace(request.Period) ? BudgetPeriods.None : request.Period.Trim().ToLowerInvariant();
        if (!BudgetPeriods.IsKnown(period))
        {
            throw MeshErrors.InvalidArgument("period", "use none, day or month");
        }

        if (cost is null && request.TokenLimit == 0 && request.RequestsPerMinute == 0)
        {
            throw MeshErrors.InvalidArgument("cost_limit_usd", "set at least one limit: cost, tokens or requests per minute");
        }

        var now = time.GetUtcNow();
        store.Set(new BudgetLimits(caller.TenantId, scope, cost, request.TokenLimit > 0 ? request.TokenLimit : null,
            request.RequestsPerMinute > 0 ? request.RequestsPerMinute : null, period), now);
        return Task.FromResult(ToContract(store.List(caller.TenantId, now).First(b => b.Limits.Scope == scope)));
    }

    public override Task<Budget> DeleteBudget(DeleteBudgetRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = requester.RequireTenantAdmin("delete budgets");
        var scope = Scope(request.Scope);
        var existing = store.List(caller.TenantId, time.GetUtcNow()).FirstOrDefault(b => b.Limits.Scope == scope)
            ?? throw MeshErrors.NotFound("budget", scope, "list budgets with mesh budgets list");
        store.Delete(caller.TenantId, scope);
        return Task.FromResult(ToContract(existing));
    }

    public override Task<ListBudgetsResponse> ListBudgets(ListBudgetsRequest request, ServerCallContext context)
    {
        var caller = Requester.Current;
        var admin = requester.IsTenantAdmin(caller);
        var mine = DecisionPoint.Scopes(caller, CallScopeAgent());
        var response = new ListBudgetsResponse();
        response.Budgets.AddRange(store.List(caller.TenantId, time.GetUtcNow()).Where(b => admin || mine.Contains(b.Limits.Scope)).Select(ToContract));
        return Task.FromResult(response);
    }

    /// <summary>Services reserve for work they do for a subject outside one authorized RPC (the steps of a run).</summary>
    public override async Task<ReserveResponse> Reserve(ReserveRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        ServiceRights.Require(ServiceRight.Reserve, "reserve budget");
        var subject = DecisionSubjects.From(request.Subject);
        if (!Nanos.TryParseUsd(string.IsNullOrEmpty(request.MaxCostUsd) ? "0" : request.MaxCostUsd, out var extra) || request.MaxTokens < 0)
        {
            throw MeshErrors.InvalidArgument("max_cost_usd", "must be a non-negative decimal, and max_tokens not negative");
        }

        var ask = await pricer.AskAsync(request.MaxUsage, Nanos.FromUsdCeiling(extra), request.MaxTokens, context.CancellationToken) ?? new ReservationAsk(0, 0);
        var scopes = DecisionPoint.Scopes(subject.Caller, subject.AgentId);
        var result = store.Reserve(subject.Caller.TenantId, scopes, ask, time.GetUtcNow());
        return result.Exhausted
            ? throw MeshErrors.ResourceExhausted(result.Reason)
            : new ReserveResponse { ReservationId = result.ReservationId, ReservedUsd = result.ReservationId.Length > 0 ? Nanos.Format(result.ReservedNanos) : "" };
    }

    public override Task<SettleResponse> Settle(SettleRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ServiceRights.Require(ServiceRight.Settle, "settle reservations");
        if (!Nanos.TryParseUsd(string.IsNullOrEmpty(request.CostUsd) ? "0" : request.CostUsd, out var cost) || request.Tokens < 0)
        {
            throw MeshErrors.InvalidArgument("cost_usd", "must be a non-negative decimal, and tokens not negative");
        }

        return store.Settle(request.ReservationId, Nanos.FromUsd(cost), request.Tokens) switch
        {
            SettleResult.Settled => Task.FromResult(new SettleResponse()),
            SettleResult.AlreadySettled => Task.FromResult(new SettleResponse { AlreadySettled = true }),
            _ => throw MeshErrors.NotFound("reservation", request.ReservationId, "it was never made, or was cleaned up long after it expired"),
        };
    }

    /// <summary>Telemetry settles what it billed: each reservation at its event's cost, unreserved work charged to its budgets.</summary>
    public override Task<SettleUsageResponse> SettleUsage(SettleUsageRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ServiceRights.Require(ServiceRight.Settle, "settle billed usage");
        var response = new SettleUsageResponse();
        var now = time.GetUtcNow();
        foreach (var (settlement, i) in request.Settlements.Select((s, i) => (s, i)))
        {
            if (!Nanos.TryParseUsd(settlement.CostUsd, out var usd) || settlement.Tokens < 0 || string.IsNullOrEmpty(settlement.EventId))
            {
                throw MeshErrors.InvalidArgument($"settlements[{i}]", "needs an event_id, a non-negative decimal cost_usd and tokens not negative");
            }

            var cost = Nanos.FromUsd(usd);
            if (settlement.ReservationId.Length > 0)
            {
                switch (store.Settle(settlement.ReservationId, cost, settlement.Tokens))
                {
                    case SettleResult.Settled: response.Settled++; break;
                    case SettleResult.AlreadySettled: response.AlreadySettled++; break;
                    default: response.Unknown++; break;
                }
            }
            else if (cost > 0 || settlement.Tokens > 0)
            {
                var scopes = ChargedScopes(settlement);
                if (store.Charge(settlement.TenantId, scopes, settlement.EventId, cost, settlement.Tokens, now))
                {
                    response.Settled++;
                }
                else
                {
                    response.AlreadySettled++;
                }
            }
        }

        return Task.FromResult(response);
    }

    /// <summary>The budgets unreserved work counts against, as a reservation for it would have.</summary>
    private IReadOnlyList<string> ChargedScopes(UsageSettlement settlement)
    {
        var kind = principals.FindPrincipal(settlement.TenantId, settlement.PrincipalId)?.Kind ?? PrincipalKind.User;
        return DecisionPoint.Scopes(new Caller(settlement.PrincipalId, settlement.TenantId, kind, IsAdmin: false), settlement.AgentId);
    }

    private static string CallScopeAgent() => Mesh.ServiceDefaults.Calls.CallScope.Current?.AgentId ?? "";

    private static string Scope(string? text)
    {
        var scope = string.IsNullOrWhiteSpace(text) ? DecisionPoint.TenantScope : text.Trim();
        if (scope == DecisionPoint.TenantScope)
        {
            return scope;
        }

        var colon = scope.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && scope[..colon] is "user" or "agent" or "service" && colon < scope.Length - 1
            ? $"{scope[..colon]}:{Names.Principal(scope[(colon + 1)..], "scope")}"
            : throw MeshErrors.InvalidArgument("scope", "use tenant, user:<id>, agent:<id> or service:<id>");
    }

    private static Budget ToContract(BudgetRecord budget)
    {
        var limits = budget.Limits;
        return new Budget
        {
            TenantId = limits.TenantId,
            Scope = limits.Scope,
            CostLimitUsd = limits.CostLimitNanos is { } cost ? Nanos.Format(cost) : "",
            TokenLimit = limits.TokenLimit ?? 0,
            RequestsPerMinute = limits.RequestsPerMinute ?? 0,
            Period = limits.Period,
            SpentUsd = Nanos.Format(budget.SpentNanos),
            ReservedUsd = Nanos.Format(budget.ReservedNanos),
            TokensUsed = budget.TokensUsed,
            TokensReserved = budget.TokensReserved,
            RequestsThisMinute = budget.WindowCount,
            PeriodStart = Timestamp.FromDateTimeOffset(budget.PeriodStart),
            RemainingUsd = limits.CostLimitNanos is { } limit
                ? Nanos.Format(Math.Max(0, limit - budget.SpentNanos - budget.ReservedNanos))
                : "",
        };
    }
}
