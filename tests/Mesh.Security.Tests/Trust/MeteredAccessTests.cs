using System.Globalization;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Inference.V1;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;

namespace Mesh.Security.Tests.Trust;

/// <summary>Every model call is authorized and audited, and what a budget is charged is what was billed.</summary>
public sealed class MeteredAccessTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Fact]
    public async Task Infer_KeyScopedToAnotherModel_PermissionDeniedAndAudited()
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("infer");
        var scoped = await mesh.IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { Scope = new CredentialScope { Models = { "tiny-gpt" } } }, TestCalls.As(admin));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.InferenceClient.InferAsync(new InferRequest { Model = "all-MiniLM-L6-v2" }, TestCalls.As(scoped.ApiKey)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("model:all-minilm-l6-v2", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(mesh.Inference.Usage.Events, e => e.Kind == UsageKind.Audit && e.TenantId == tenant && e.Attributes["method"].EndsWith("/Infer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Budget_AfterEmbedsAToolCallAndACancelledGeneration_ChargedExactlyWhatWasBilled()
    {
        var (_, admin) = await mesh.CreateTenantAsync("settle");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "10" }, TestCalls.As(admin));

        await mesh.InferenceClient.EmbedAsync(new EmbedRequest { Model = "all-MiniLM-L6-v2", Inputs = { "a budget is charged what is billed" } }, TestCalls.As(admin));
        await mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest { Tool = "calculator", ArgumentsJson = "{\"expression\":\"6*7\"}" }, TestCalls.As(admin));
        using (var cancel = new CancellationTokenSource())
        using (var stream = mesh.InferenceClient.Generate(new GenerateRequest { Model = "tiny-gpt", Prompt = "Once upon a time", MaxTokens = 500 }, TestCalls.As(admin).WithCancellationToken(cancel.Token)))
        {
            Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
            await cancel.CancelAsync();
        }

        var budget = await mesh.SettledBudgetAsync(admin);
        var spent = decimal.Parse(budget.SpentUsd, CultureInfo.InvariantCulture);
        var billed = await mesh.BilledAsync(admin);

        Assert.Equal("0", budget.ReservedUsd);
        Assert.True(billed > 0, "the calls cost something");
        Assert.Equal(billed, spent);
    }

    [Fact]
    public async Task Authorize_MaxCostAndNothingToReserve_ReservesTheCostOrNothingAndReadsPassAUsedUpBudget()
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("ask");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "0.5" }, TestCalls.As(admin));
        var service = TestCalls.As(await mesh.ServiceTokenAsync("tools"));
        var ask = new AuthorizeRequest
        {
            Subject = new Subject { TenantId = tenant, PrincipalId = "admin", Kind = "user" }, Object = "tool:calculator", Relation = "invoker", MaxCostUsd = "0.5",
        };

        var reserved = await mesh.PermissionsClient.AuthorizeAsync(ask, service);
        var free = await mesh.PermissionsClient.AuthorizeAsync(new AuthorizeRequest(ask) { MaxCostUsd = "" }, service);
        var refused = await mesh.PermissionsClient.AuthorizeAsync(ask, service);
        var bad = await Assert.ThrowsAsync<RpcException>(() => mesh.PermissionsClient.AuthorizeAsync(new AuthorizeRequest(ask) { MaxCostUsd = "-1" }, service).ResponseAsync);

        Assert.Equal((true, "0.5"), (reserved.Allowed, reserved.ReservedUsd));
        Assert.Equal((true, ""), (free.Allowed, free.ReservationId));
        Assert.Equal((false, true), (refused.Allowed, refused.BudgetExhausted));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Fact]
    public async Task Reserve_ByAMemberOrAnAdminUser_PermissionDeniedBecauseOnlyServicesReserve()
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("reserve");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "1" }, TestCalls.As(admin));
        var request = new ReserveRequest
        {
            Subject = new Subject { TenantId = tenant, PrincipalId = "admin", Kind = "user", ActorId = "someone-elses-agent" },
            MaxCostUsd = "1",
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.BudgetsClient.ReserveAsync(request, TestCalls.As(admin)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("0", (await mesh.SettledBudgetAsync(admin)).ReservedUsd);
    }

    [Fact]
    public async Task AgentHeader_FromAUserKey_IsIgnoredSoSpendCannotBeAttributedToAnAgent()
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("header");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { Scope = "agent:victim", CostLimitUsd = "1" }, TestCalls.As(admin));
        var options = TestCalls.As(admin);
        options.Headers!.Add("x-mesh-agent", "victim");
        options.Headers.Add("x-mesh-run", "someone-elses-run");

        await mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest { Tool = "calculator", ArgumentsJson = "{\"expression\":\"1+1\"}" }, options);

        var call = mesh.Tools.Usage.Events.Single(e => e.TenantId == tenant && e.Kind == UsageKind.ToolCall);
        Assert.Equal(("", ""), (call.AgentId, call.RunId));
        Assert.Equal("0", (await mesh.SettledBudgetAsync(admin, "agent:victim")).SpentUsd);
    }

    [Fact]
    public async Task Embed_InteractivePriority_NeedsTheGrant()
    {
        var (_, admin) = await mesh.CreateTenantAsync("prio");
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        var request = new EmbedRequest { Model = "all-MiniLM-L6-v2", Inputs = { "urgent" }, Priority = Priority.Interactive };

        var refused = await Assert.ThrowsAsync<RpcException>(() => mesh.InferenceClient.EmbedAsync(request, TestCalls.As(carol)).ResponseAsync);
        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "priority:interactive", Relation_ = "user", Subject = "user:carol" } },
        }, TestCalls.As(admin));
        var granted = await mesh.InferenceClient.EmbedAsync(request, TestCalls.As(carol));
        var standard = await mesh.InferenceClient.EmbedAsync(new EmbedRequest { Model = "all-MiniLM-L6-v2", Inputs = { "normal" } }, TestCalls.As(admin));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("priority:interactive#user", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Single(granted.Embeddings);
        Assert.Single(standard.Embeddings);
    }
}
