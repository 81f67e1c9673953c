using System.Text.Json;
using Mesh.Cli.Tests.Fakes;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Tests;

public sealed class CommandLineTests : IAsyncLifetime
{
    private FakeMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await FakeMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Run_ServerStreamsSteps_PrintsStepsAnswerAndSources()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "run", "What is Mesh?");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("embed", result.Out);
        Assert.Contains("found 2 passages", result.Out);
        Assert.Contains("Answer to: What is Mesh?", result.Out);
        Assert.Contains("Mesh overview", result.Out);
        Assert.True(_mesh.Agents.Requests.TryDequeue(out var request));
        Assert.Equal("assistant", request.Agent);
    }

    [Fact]
    public async Task Budgets_WithoutSubcommand_ListsLikeBudgetsList()
    {
        var bare = await CliRun.RunAsync(_mesh.Environment, "budgets");
        var list = await CliRun.RunAsync(_mesh.Environment, "budgets", "list");

        Assert.Equal(0, bare.ExitCode);
        Assert.Equal(2, _mesh.Budgets.Lists);
        Assert.Contains("0.035", bare.Out);
        Assert.Contains("30.0%", bare.Out);
        Assert.Equal(list.Out, bare.Out);
        // Calls left are priced from the budgets' tenant's own calls, not every tenant's.
        Assert.Contains(_mesh.Analytics.Queries, q => q.GroupBy.Contains(Dimension.Resource) && q.TenantId == "acme");
    }

    [Fact]
    public async Task RelationsWrite_SubjectAsArgumentOrAsCheckTakesIt_SameRelation()
    {
        var positional = await CliRun.RunAsync(_mesh.Environment, "relations", "write", "tool:clock", "invoker", "user:alice");
        var named = await CliRun.RunAsync(_mesh.Environment, "relations", "write", "tool:clock", "invoker", "--subject", "user:bob");
        var none = await CliRun.RunAsync(_mesh.Environment, "relations", "write", "tool:clock", "invoker");
        var both = await CliRun.RunAsync(_mesh.Environment, "relations", "write", "tool:clock", "invoker", "user:alice", "--subject", "user:bob");

        Assert.Equal((0, 0, 2, 2), (positional.ExitCode, named.ExitCode, none.ExitCode, both.ExitCode));
        Assert.Equal(["user:alice", "user:bob"], _mesh.Permissions.Written.Select(r => r.Subject));
        Assert.Contains("name the subject", none.Error, StringComparison.Ordinal);
        Assert.Contains("two subjects given", both.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsLoad_SendsTheNameAndPrintsWhereItRuns()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "models", "load", "remote-kjv");

        Assert.Equal(0, result.ExitCode);
        Assert.True(_mesh.Inference.Loaded.TryDequeue(out var name));
        Assert.Equal("remote-kjv", name);
        Assert.Contains("remote-kjv 1 · causal-lm · ready on upstream", result.Out);
    }

    [Fact]
    public async Task Run_ApiKeyAndTenant_SentAsMetadata()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "run", "hi", "--tenant", "globex");

        Assert.Equal(0, result.ExitCode);
        Assert.True(_mesh.Agents.Headers.TryDequeue(out var headers));
        Assert.Equal($"Bearer {FakeIdentity.Key}", headers.GetValue("authorization"));
        Assert.Equal("globex", headers.GetValue("x-mesh-tenant"));
    }

    [Fact]
    public async Task Run_Json_PrintsOneJsonObjectPerEvent()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "run", "What is Mesh?", "--json");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        var events = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.True(events[0].TryGetProperty("started", out _));
        Assert.True(events[3].TryGetProperty("completed", out _));
        Assert.All(events, e => Assert.EndsWith("run-0001", e.GetProperty("runId").GetString()));
    }

    [Fact]
    public async Task Run_StreamEndsWithoutCompletion_ExitsWithFailure()
    {
        _mesh.Agents.CompleteRuns = false;

        var result = await CliRun.RunAsync(_mesh.Environment, "run", "What is Mesh?");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ended before it completed", result.Error);
    }

    [Fact]
    public async Task Demo_UsageArrivesAfterPolls_PrintsCostPerRunAndSucceeds()
    {
        _mesh.Analytics.PollsBeforeVisible = 2;

        var result = await CliRun.RunAsync(_mesh.Environment, "demo", "--runs", "2");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("What is Mesh?", result.Out);
        Assert.Contains("What does an embedding cost?", result.Out);
        Assert.Contains("#1 run-0001", result.Out);
        Assert.Contains("#2 run-0002", result.Out);
        Assert.Contains("calculator", result.Out);
        Assert.Contains("0.000000600", result.Out);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Demo_UsageNeverArrives_FailsNamingTelemetry()
    {
        _mesh.Analytics.NeverVisible = true;

        var result = await CliRun.RunAsync(_mesh.Environment, "demo", "--runs", "1", "--wait", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no usage for 1 of 1 runs", result.Error);
        Assert.Contains(_mesh.Address.TrimEnd('/'), result.Error);
    }

    [Fact]
    public async Task Demo_Json_PrintsRunEventsThenTheCombinedReport()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "demo", "--runs", "1", "--json");

        Assert.Equal(0, result.ExitCode);
        var last = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        var report = JsonDocument.Parse(last).RootElement;
        Assert.Equal("0.000000300", report.GetProperty("total").GetProperty("costUsd").GetString());
    }

    [Fact]
    public async Task Cost_GroupAndFilters_SentInQueryAndTotalPrinted()
    {
        var result = await CliRun.RunAsync(
            _mesh.Environment, "cost", "--by", "agent,kind", "--since", "1h", "--run", "r-1", "--kind", "tool_call", "--limit", "5");

        Assert.Equal(0, result.ExitCode);
        Assert.True(_mesh.Analytics.Queries.TryDequeue(out var query));
        Assert.Equal([Dimension.Agent, Dimension.Kind], query.GroupBy);
        Assert.Equal("r-1", query.RunId);
        Assert.Equal(Mesh.Usage.V1.UsageKind.ToolCall, query.Kind);
        Assert.Equal(5, query.Limit);
        Assert.Equal(TimeSpan.FromHours(1), query.To.ToDateTimeOffset() - query.From.ToDateTimeOffset());
        Assert.Contains("Total", result.Out);
        Assert.True(result.Out.Contains("0.000002000", StringComparison.Ordinal), result.Out);
        Assert.Contains("(none)", result.Out);
    }

    [Fact]
    public async Task Cost_Json_PrintsTheReport()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "cost", "--json");

        Assert.Equal(0, result.ExitCode);
        var report = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(2, report.GetProperty("rows").GetArrayLength());
        Assert.Equal(["DIMENSION_TENANT", "DIMENSION_RESOURCE"], report.GetProperty("groupBy").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task WhoAmI_ValidKey_PrintsPrincipal()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "whoami", "--tenant", "globex");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("alice", result.Out);
        Assert.Contains("globex", result.Out);
    }

    [Fact]
    public async Task WhoAmI_NoKey_FailsWithApiKeyHint()
    {
        var environment = _mesh.Environment;
        environment.Remove("MESH_API_KEY");

        var result = await CliRun.RunAsync(environment, "whoami");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: Unauthenticated: the API key is not valid", result.Error);
        Assert.Contains("MESH_API_KEY", result.Error);
    }

    [Fact]
    public async Task Agents_Json_ListsAgents()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "agents", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("assistant", JsonDocument.Parse(result.Out).RootElement.GetProperty("agents")[0].GetProperty("name").GetString());
    }
}
