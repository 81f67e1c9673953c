using Mesh.Agents.V1;
using Mesh.DevServers;
using Mesh.Testing;

namespace Mesh.Agents.Tests;

/// <summary>The example workflows README shows (examples/workflows) register and run as it says.</summary>
public sealed class ExampleWorkflowTests(InMemoryMesh mesh) : IClassFixture<InMemoryMesh>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private V1.Agents.AgentsClient Client => mesh.AgentsClient();

    [Fact]
    public async Task ResearchExample_ThreeQuestions_ChildRunPerQuestionJoinedWithAnswers()
    {
        await CreateAsync("lookup.yaml");
        await CreateAsync("research.yaml");

        var run = await Client.StartRunAsync(new StartRunRequest { Workflow = "research", InputsJson = """{"questions":["What is Mesh?","How are tools run?","What is VRIO?"]}""" }, TestCalls.As(TestKeys.Globex));
        var done = await UntilAsync(run.RunId, r => r.Status is RunStatus.Completed or RunStatus.Failed);

        Assert.Equal(RunStatus.Completed, done.Status);
        var output = System.Text.Json.Nodes.JsonNode.Parse(done.OutputJson)!;
        Assert.Equal(3, output["answered"]!.GetValue<double>());
        Assert.Contains("five gRPC services", output["findings"]![0]!["answer"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("VRIO", output["findings"]![2]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApprovalExample_SignalApproves_ActionRunsAfterIt()
    {
        await CreateAsync("approval.yaml", TestKeys.Acme);

        var run = await Client.StartRunAsync(new StartRunRequest { Workflow = "approval", InputsJson = """{"expression":"2^10"}""" }, TestCalls.As(TestKeys.Acme));
        await UntilAsync(run.RunId, r => r.Status == RunStatus.Waiting, TestKeys.Acme);
        await Client.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "approve", PayloadJson = """{"approved":true,"by":"alice"}""" }, TestCalls.As(TestKeys.Acme));
        var done = await UntilAsync(run.RunId, r => r.Status is RunStatus.Completed or RunStatus.Failed, TestKeys.Acme);

        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Contains("1024", done.OutputJson, StringComparison.Ordinal);
    }

    private async Task CreateAsync(string file, string key = TestKeys.Globex)
    {
        var path = Path.Combine(MeshBuild.RepositoryRoot(), "examples", "workflows", file);
        await Client.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = await File.ReadAllTextAsync(path) }, TestCalls.As(key, timeout: Timeout));
    }

    private async Task<Run> UntilAsync(string runId, Func<Run, bool> done, string key = TestKeys.Globex)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var run = await Client.GetRunAsync(new GetRunRequest { RunId = runId }, TestCalls.As(key));
            if (done(run))
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {runId} is still {run.Status}");
            await Task.Delay(50);
        }
    }
}
