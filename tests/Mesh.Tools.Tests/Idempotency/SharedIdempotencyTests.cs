using System.Text.Json;
using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.Idempotency;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Microsoft.Extensions.DependencyInjection;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Idempotency;

/// <summary>
/// Two tools services (replicas, each with a data folder of its own) sharing one PostgreSQL for
/// idempotency records, as distributed mode runs them; the counting tool stands for a side effect
/// outside both (one instance counts the runs of either).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedIdempotencyTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly CountingTool _effect = new();
    private readonly List<string> _folders = [];
    private ToolsFactory _first = null!;
    private ToolsFactory _second = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.NewDatabaseAsync();
        _first = Replica(database);
        _second = Replica(database);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        _folders.ForEach(TestFolders.Delete);
    }

    private ToolsFactory Replica(string database)
    {
        var folder = TestFolders.New("mesh-tools-replica");
        _folders.Add(folder);
        var factory = ToolsFactory.On(folder);
        factory.WithSetting("Mesh:Tools:Store", "postgres").WithSetting("ConnectionStrings:tools-db", database);
        factory.WithServices(s => s.AddSingleton<ITool>(_effect));
        return factory;
    }

    private static Task<InvokeToolResponse> InvokeAsync(ToolsFactory replica, string arguments, string key) =>
        new ToolsClient(replica.CreateChannel()).InvokeToolAsync(
            new InvokeToolRequest { Tool = CountingTool.Name, ArgumentsJson = arguments, IdempotencyKey = key },
            TestCalls.As(TestKeys.Acme)).ResponseAsync;

    private static int Run(InvokeToolResponse response)
    {
        using var result = JsonDocument.Parse(response.ResultJson);
        return result.RootElement.GetProperty("run").GetInt32();
    }

    [Fact]
    public async Task InvokeTool_SameKeyOnBothReplicasAtOnce_TheEffectRunsOnce()
    {
        var calls = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            try
            {
                return (Response: await InvokeAsync(i % 2 == 0 ? _first : _second, """{"add":1}""", "run-9/step-1"), Status: StatusCode.OK);
            }
            catch (RpcException ex)
            {
                return (Response: (InvokeToolResponse?)null, Status: ex.StatusCode);
            }
        })).ToList();
        var outcomes = await Task.WhenAll(calls).WaitAsync(Patience);
        var after = await InvokeAsync(_second, """{"add":1}""", "run-9/step-1").WaitAsync(Patience);

        Assert.Equal(1, _effect.Runs);
        // Each call got the one result, or Aborted while the first still ran.
        Assert.All(outcomes, o => Assert.True(o.Status == StatusCode.Aborted || (o.Status == StatusCode.OK && Run(o.Response!) == 1), $"{o.Status}"));
        Assert.Single(outcomes, o => o.Status == StatusCode.OK && !o.Response!.Replayed);
        Assert.True(after.Replayed);
        Assert.Equal(1, Run(after));
    }

    [Fact]
    public async Task InvokeTool_KeyRunningOnOneReplica_OtherAbortsThenReplaysAndRefusesOtherArguments()
    {
        var first = InvokeAsync(_first, """{"hold":true}""", "k-held");
        await _effect.Held.WaitAsync(Patience);

        var meanwhile = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(_second, """{"hold":true}""", "k-held")).WaitAsync(Patience);
        _effect.Release();
        var done = await first.WaitAsync(Patience);
        var repeat = await InvokeAsync(_second, """{"hold":true}""", "k-held").WaitAsync(Patience);
        var mismatch = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(_second, """{"add":2}""", "k-held")).WaitAsync(Patience);

        Assert.Equal(StatusCode.Aborted, meanwhile.StatusCode);
        Assert.True(repeat.Replayed);
        Assert.Equal(done.ResultJson, repeat.ResultJson);
        Assert.Equal(StatusCode.FailedPrecondition, mismatch.StatusCode);
        Assert.Equal(1, _effect.Runs);
        Assert.IsType<PostgresIdempotencyStore>(_second.Services.GetRequiredService<IIdempotencyStore>());
    }
}
