using Mesh.Security.Authorization;
using Microsoft.Extensions.Options;
using Grpc.Core;
using Mesh.Agents.Runs;
using Mesh.Agents.V1;
using Mesh.Metering;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Agents.Tests;

public sealed class StepRunnerTests
{
    private readonly CapturingUsagePublisher _usage = new();

    /// <summary>Steps run inside a served call; usage events take their tenant and principal from it.</summary>
    private static IDisposable ServedCall() => CallScope.Enter(new CallScope(new Caller("alice", "acme", PrincipalKind.User, IsAdmin: false), "Bearer test"));

    /// <summary>A service run without identity (credentials mode) reserves nothing for its steps.</summary>
    private static StepBudget UnbudgetedSteps() => new(
        new Mesh.Identity.V1.Budgets.BudgetsClient(Grpc.Net.Client.GrpcChannel.ForAddress("http://127.0.0.1:9")),
        new NoCredentials(),
        Options.Create(new AuthorizationOptions { Mode = AuthorizationMode.Credentials }),
        Options.Create(new MeshGrpcOptions()),
        TimeProvider.System);

    [Fact]
    public async Task RunAsync_StepRanButTheCallEndedBeforeItsEventWasSent_MeteredOnceAsOk()
    {
        var runner = new StepRunner(new UsageRecorder(_usage, new MeshServiceInfo("agents"), TimeProvider.System), UnbudgetedSteps(), TimeProvider.System);
        var run = new RunStream(new EndedCallWriter(), "run-1", TimeProvider.System);
        using var call = ServedCall();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            runner.RunAsync(new Agent(), run, "tool", "calculator", _ => Task.FromResult(new StepOutcome<int>(42, "42")), CancellationToken.None));

        Assert.Contains("request is complete", error.Message, StringComparison.Ordinal);
        var step = Assert.Single(_usage.Events);
        Assert.Equal((UsageStatus.Ok, "acme"), (step.Status, step.TenantId));
    }

    [Fact]
    public async Task RunAsync_StepFails_MeteredOnceAsError()
    {
        var runner = new StepRunner(new UsageRecorder(_usage, new MeshServiceInfo("agents"), TimeProvider.System), UnbudgetedSteps(), TimeProvider.System);
        var run = new RunStream(new EndedCallWriter(), "run-1", TimeProvider.System);
        using var call = ServedCall();

        await Assert.ThrowsAsync<TimeoutException>(() =>
            runner.RunAsync<int>(new Agent(), run, "tool", "calculator", _ => throw new TimeoutException("tool timed out"), CancellationToken.None));

        var step = Assert.Single(_usage.Events);
        Assert.Equal(UsageStatus.Error, step.Status);
        Assert.Equal("tool timed out", step.Attributes["error"]);
    }

    /// <summary>A response stream whose call has already ended, as after a deadline.</summary>
    private sealed class EndedCallWriter : IServerStreamWriter<RunEvent>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(RunEvent message) => throw new InvalidOperationException("Can't write the message because the request is complete.");
    }

    private sealed class Agent : IAgent
    {
        public string Name => "assistant";

        public string Version => "1";

        public string Description => "test";

        public IReadOnlyList<string> Tools => [];

        public IReadOnlyList<string> Models => [];

        public Task RunAsync(string input, RunStream run, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

internal sealed class NoCredentials : IServiceCredentials
{
    public ValueTask<string> AuthorizationAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("no service credential in this test");
}
