using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Testing;

namespace Mesh.Agents.Tests;

/// <summary>Workflows registered and run through the API against real inference and tools services.</summary>
public sealed class WorkflowRunTests(InMemoryMesh mesh) : IClassFixture<InMemoryMesh>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private V1.Agents.AgentsClient Client => mesh.AgentsClient();

    [Fact]
    public async Task CreateWorkflow_InvalidDocument_EveryProblemNamedByPathAndNothingStored()
    {
        var name = Name("broken");
        const string Yaml = """
            name: NAME
            inputs: { type: object }
            steps:
              - id: a
                kind: teleport
              - id: b
                kind: branch
                cases:
                  - when: "state.x >"
                    next: nowhere
              - id: c
                kind: tool
                tool: no-such-tool
                arguments: { x: "{{ len( }}" }
                next: d
              - id: d
                kind: set
                values: { y: "{{ 1 }}" }
                next: c
            """;

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Yaml.Replace("NAME", name, StringComparison.Ordinal) }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var expected in new[] { "steps[0].kind: 'teleport' is not a step kind", "steps[1].cases[0].when: does not parse", "steps[1].cases[0].next: names step 'nowhere'", "steps[2].arguments.x", "is unreachable", "cycle without a bound", "steps[2].tool: tool 'no-such-tool' does not exist" })
        {
            Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        }

        var listed = await Client.ListWorkflowsAsync(new ListWorkflowsRequest(), TestCalls.As(TestKeys.Acme));
        Assert.DoesNotContain(listed.Workflows, w => w.Name == name);
    }

    [Fact]
    public async Task CreateWorkflow_SameNameTwice_NewVersionAndRunsPinnedToTheirs()
    {
        var name = Name("versions");
        var first = await CreateAsync(SetWorkflow(name, "'one'"));
        var second = await CreateAsync(SetWorkflow(name, "'two'"));

        Assert.Equal((1, 2), (first.Version, second.Version));
        var old = await RunToEndAsync(new StartRunRequest { Workflow = name, Version = 1 });
        var latest = await RunToEndAsync(new StartRunRequest { Workflow = name });
        Assert.Equal(("\"one\"", "\"two\""), (old.OutputJson, latest.OutputJson));
        var fetched = await Client.GetWorkflowAsync(new GetWorkflowRequest { Name = name, Version = 1 }, TestCalls.As(TestKeys.Acme));
        Assert.Equal(2, fetched.LatestVersion);
    }

    [Fact]
    public async Task StartRun_BadInputsOrUnknownVersion_ClearStatusAndNoRun()
    {
        var name = Name("inputs");
        await CreateAsync($$$"""
            name: {{{name}}}
            inputs: { type: object, properties: { n: { type: number } }, required: [n] }
            steps:
              - { id: double, kind: set, values: { twice: "{{ inputs.n * 2 }}" } }
            output: "{{ state.twice }}"
            """);
        var before = await Client.ListRunsAsync(new ListRunsRequest { Workflow = name }, TestCalls.As(TestKeys.Acme));

        var missing = await Assert.ThrowsAsync<RpcException>(() => Client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{}" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);
        var notJson = await Assert.ThrowsAsync<RpcException>(() => Client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{n:" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);
        var version = await Assert.ThrowsAsync<RpcException>(() => Client.StartRunAsync(new StartRunRequest { Workflow = name, Version = 9, InputsJson = "{\"n\":1}" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument, StatusCode.NotFound), (missing.StatusCode, notJson.StatusCode, version.StatusCode));
        Assert.Contains("n", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("versions 1 to 1", version.Status.Detail, StringComparison.Ordinal);
        var after = await Client.ListRunsAsync(new ListRunsRequest { Workflow = name }, TestCalls.As(TestKeys.Acme));
        Assert.Equal(before.Runs.Count, after.Runs.Count);
    }

    [Fact]
    public async Task StartRun_SameClientRequestId_SameRunAndOtherInputsRefused()
    {
        var name = Name("idem");
        await CreateAsync(SetWorkflow(name, "inputs.x"));
        var requestId = Guid.NewGuid().ToString();

        var first = await Client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"x\":1}", ClientRequestId = requestId }, TestCalls.As(TestKeys.Acme));
        var again = await Client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"x\":1}", ClientRequestId = requestId }, TestCalls.As(TestKeys.Acme));
        var other = await Assert.ThrowsAsync<RpcException>(() => Client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"x\":2}", ClientRequestId = requestId }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(first.RunId, again.RunId);
        Assert.Equal(StatusCode.AlreadyExists, other.StatusCode);
    }

    [Fact]
    public async Task GetRun_AnotherTenantsRun_NotFound()
    {
        var name = Name("tenancy");
        await CreateAsync(SetWorkflow(name, "1"));
        var run = await RunToEndAsync(new StartRunRequest { Workflow = name });

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.GetRunAsync(new GetRunRequest { RunId = run.RunId }, TestCalls.As(TestKeys.Globex)).ResponseAsync);
        var signal = await Assert.ThrowsAsync<RpcException>(() => Client.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "x" }, TestCalls.As(TestKeys.Globex)).ResponseAsync);
        var workflow = await Assert.ThrowsAsync<RpcException>(() => Client.GetWorkflowAsync(new GetWorkflowRequest { Name = name }, TestCalls.As(TestKeys.Globex)).ResponseAsync);

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound, StatusCode.NotFound), (error.StatusCode, signal.StatusCode, workflow.StatusCode));
    }

    [Fact]
    public async Task SignalRun_ApprovalWorkflow_WaitsThenRunsTheToolAfterTheSignal()
    {
        var name = Name("approval");
        await CreateAsync($$$"""
            name: {{{name}}}
            inputs: { type: object, properties: { expression: { type: string } }, required: [expression] }
            steps:
              - id: approve
                kind: wait
                signal: approval
                timeout: 10m
                output: approval
                next: decide
              - id: decide
                kind: branch
                cases:
                  - { when: "state.approval.approved == true", next: compute }
                default: rejected
              - id: compute
                kind: tool
                tool: calculator
                arguments: { expression: "{{ inputs.expression }}" }
                output: result
              - id: rejected
                kind: set
                values: { result: "rejected" }
            output: "{{ state.result }}"
            """);
        var run = await Client.StartRunAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"expression\":\"6*7\"}" }, TestCalls.As(TestKeys.Acme));
        var waiting = await UntilAsync(run.RunId, r => r.Status == RunStatus.Waiting);
        Assert.Equal("approval", waiting.WaitingFor);

        var wrong = await Assert.ThrowsAsync<RpcException>(() => Client.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "other" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, wrong.StatusCode);
        Assert.Contains("waits for signal 'approval'", wrong.Status.Detail, StringComparison.Ordinal);

        await Client.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "approval", PayloadJson = "{\"approved\":true}" }, TestCalls.As(TestKeys.Acme));
        var done = await UntilAsync(run.RunId, r => r.Status == RunStatus.Completed);

        Assert.Contains("42", done.OutputJson, StringComparison.Ordinal);
        Assert.Equal(["approve", "decide", "compute"], done.Steps.Select(s => s.StepId));
        var late = await Assert.ThrowsAsync<RpcException>(() => Client.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "approval" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
    }

    [Fact]
    public async Task WaitStep_SignalNeverComes_TimesOutAsDefined()
    {
        var failName = Name("timeout-fail");
        var goName = Name("timeout-go");
        await CreateAsync($$$"""
            name: {{{failName}}}
            steps:
              - { id: wait, kind: wait, signal: go, timeout: 300ms }
            """);
        await CreateAsync($$$"""
            name: {{{goName}}}
            steps:
              - { id: wait, kind: wait, signal: go, timeout: 300ms, onTimeout: { next: fallback, value: "none" }, output: signal }
              - { id: fallback, kind: set, values: { took: "fallback" } }
            """);

        var failed = await RunToEndAsync(new StartRunRequest { Workflow = failName });
        var continued = await RunToEndAsync(new StartRunRequest { Workflow = goName });

        Assert.Equal((RunStatus.Failed, "DEADLINE_EXCEEDED"), (failed.Status, failed.Error.Code));
        Assert.Contains("did not arrive within 300ms", failed.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Completed, continued.Status);
        Assert.Contains("\"took\":\"fallback\"", continued.OutputJson, StringComparison.Ordinal);
        Assert.Contains("\"signal\":\"none\"", continued.OutputJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelRun_WaitingRun_CompensatesCompletedStepsNewestFirst()
    {
        var name = Name("cancel");
        await CreateAsync($$$"""
            name: {{{name}}}
            steps:
              - id: reserve
                kind: tool
                tool: calculator
                arguments: { expression: "1+1" }
                compensate: { kind: tool, tool: calculator, arguments: { expression: "{{ result.value }} - 2" } }
                next: hold
              - id: hold
                kind: set
                values: { held: true }
                compensate: { kind: set, values: { released: true } }
                next: wait
              - { id: wait, kind: wait, signal: never }
            """);
        var run = await Client.StartRunAsync(new StartRunRequest { Workflow = name }, TestCalls.As(TestKeys.Acme));
        await UntilAsync(run.RunId, r => r.Status == RunStatus.Waiting);

        var cancelling = await Client.CancelRunAsync(new CancelRunRequest { RunId = run.RunId, Reason = "changed my mind" }, TestCalls.As(TestKeys.Acme));
        var cancelled = await UntilAsync(run.RunId, r => r.Status == RunStatus.Cancelled);

        Assert.True(cancelling.CancelRequested);
        var events = await EventsAsync(run.RunId, 0);
        var compensations = events.Where(e => e.Compensated is not null).Select(e => e.Compensated).ToList();
        Assert.Equal(["hold", "reserve"], compensations.Select(c => c.StepId));
        Assert.Contains("0", compensations[1].ResultJson, StringComparison.Ordinal);
        Assert.Equal(["hold", "reserve"], events.Single(e => e.Cancelled is not null).Cancelled.Compensated);
        Assert.Equal("changed my mind", cancelled.Error.Message);
    }

    [Fact]
    public async Task ParallelStep_FanOutOverAList_JoinsResultsInOrder()
    {
        var name = Name("fanout");
        await CreateAsync($$$"""
            name: {{{name}}}
            inputs: { type: object, properties: { numbers: { type: array } } }
            steps:
              - id: squares
                kind: parallel
                over: inputs.numbers
                concurrency: 2
                step: { kind: tool, tool: calculator, arguments: { expression: "{{ item }} ^ 2" } }
                output: squares
            output: "{{ state.squares }}"
            """);

        var run = await RunToEndAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"numbers\":[1,2,3,4,5]}" });

        Assert.Equal(RunStatus.Completed, run.Status);
        var values = System.Text.Json.Nodes.JsonNode.Parse(run.OutputJson)!.AsArray().Select(v => v!["value"]!.GetValue<double>()).ToList();
        Assert.Equal([1d, 4, 9, 16, 25], values);
        var events = await EventsAsync(run.RunId, 0);
        var keys = events.Where(e => e.ToolResult is not null).Select(e => e.ToolResult.IdempotencyKey).ToList();
        Assert.Equal(5, keys.Distinct().Count());
        Assert.All(keys, k => Assert.StartsWith($"{run.RunId}/squares[", k, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Subworkflow_ChildRunsPerItem_ParentJoinsTheirOutputs()
    {
        var child = Name("child");
        var parent = Name("parent");
        await CreateAsync($$$"""
            name: {{{child}}}
            inputs: { type: object, properties: { q: { type: string } } }
            steps:
              - { id: upper, kind: set, values: { shout: "{{ upper(inputs.q) }}" } }
            output: "{{ state.shout }}"
            """);
        await CreateAsync($$$"""
            name: {{{parent}}}
            inputs: { type: object, properties: { questions: { type: array } } }
            steps:
              - id: research
                kind: parallel
                over: inputs.questions
                concurrency: 2
                step: { kind: subworkflow, workflow: {{{child}}}, inputs: { q: "{{ item }}" } }
                output: answers
            output: "{{ join(state.answers, '|') }}"
            """);

        var run = await RunToEndAsync(new StartRunRequest { Workflow = parent, InputsJson = "{\"questions\":[\"a\",\"b\",\"c\"]}" });

        Assert.Equal("\"A|B|C\"", run.OutputJson);
        var children = await Client.ListRunsAsync(new ListRunsRequest { Workflow = child }, TestCalls.As(TestKeys.Acme));
        Assert.Equal(3, children.Runs.Count(r => r.ParentRunId == run.RunId && r.Status == RunStatus.Completed));
    }

    [Fact]
    public async Task WatchRun_FromASequence_MissesNothingAfterIt()
    {
        var name = Name("watch");
        await CreateAsync(SetWorkflow(name, "'done'"));
        var run = await RunToEndAsync(new StartRunRequest { Workflow = name });

        var all = await EventsAsync(run.RunId, 0);
        var rest = await EventsAsync(run.RunId, 2);

        Assert.Equal(Enumerable.Range(1, all.Count), all.Select(e => e.Sequence));
        Assert.Equal(all.Skip(2).Select(e => e.Sequence), rest.Select(e => e.Sequence));
        Assert.NotNull(all[^1].Completed);
    }

    [Fact]
    public async Task RunStore_AgentsRestartWhileARunWaits_RunResumesAndFinishes()
    {
        var name = Name("restart");
        await CreateAsync($$$"""
            name: {{{name}}}
            steps:
              - { id: first, kind: set, values: { a: 1 }, next: wait }
              - { id: wait, kind: wait, signal: go, output: signal, next: last }
              - { id: last, kind: set, values: { b: "{{ state.a + 1 }}" } }
            """);
        var run = await Client.StartRunAsync(new StartRunRequest { Workflow = name }, TestCalls.As(TestKeys.Acme));
        await UntilAsync(run.RunId, r => r.Status == RunStatus.Waiting);

        mesh.RestartAgents();
        await Client.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "go", PayloadJson = "\"now\"" }, TestCalls.As(TestKeys.Acme));
        var done = await UntilAsync(run.RunId, r => r.Status == RunStatus.Completed);

        Assert.Contains("\"b\":2", done.OutputJson, StringComparison.Ordinal);
        Assert.Equal(3, done.StepsDone);
    }

    [Fact]
    public async Task StartRun_StepLimitReached_FailsWithResourceExhausted()
    {
        var name = Name("loop");
        await CreateAsync($$$"""
            name: {{{name}}}
            steps:
              - { id: tick, kind: set, values: { n: "{{ default(state.n, 0) + 1 }}" }, next: again, maxVisits: 100 }
              - id: again
                kind: branch
                cases: [ { when: "state.n < 1000", next: tick } ]
            """);

        var run = await RunToEndAsync(new StartRunRequest { Workflow = name, MaxSteps = 7 });

        Assert.Equal((RunStatus.Failed, "RESOURCE_EXHAUSTED"), (run.Status, run.Error.Code));
        Assert.Contains("limit of 7 steps", run.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentStep_LocalModelWithACalculator_DecidesByTheSchemaAndAnswersWithinItsIterations()
    {
        var name = Name("agent");
        await CreateAsync($$$"""
            name: {{{name}}}
            inputs: { type: object, properties: { question: { type: string } }, required: [question] }
            steps:
              - id: solve
                kind: agent
                model: tiny-gpt
                prompt: "{{ inputs.question }}"
                tools: [calculator]
                maxIterations: 3
                maxTokens: 96
                output: solved
            output: "{{ state.solved }}"
            """);

        var first = await RunToEndAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"question\":\"What is 6 * 7?\"}" });
        var again = await RunToEndAsync(new StartRunRequest { Workflow = name, InputsJson = "{\"question\":\"What is 6 * 7?\"}" });

        Assert.Equal(RunStatus.Completed, first.Status);
        var solved = System.Text.Json.Nodes.JsonNode.Parse(first.OutputJson)!;
        Assert.Equal(System.Text.Json.JsonValueKind.String, solved["answer"]!.GetValueKind());
        Assert.InRange(solved["iterations"]!.GetValue<int>(), 1, 3);
        Assert.Equal(solved["iterations"]!.GetValue<int>() - 1, solved["calls"]!.AsArray().Count);
        Assert.All(solved["calls"]!.AsArray(), call =>
        {
            Assert.Equal("calculator", call!["tool"]!.GetValue<string>());
            Assert.Equal(System.Text.Json.JsonValueKind.String, call["arguments"]!["expression"]!.GetValueKind());
        });
        Assert.Equal(first.OutputJson, again.OutputJson); // greedy decisions: the same conversation decides the same
    }

    [Fact]
    public async Task CreateWorkflow_AgentStepWithoutToolsOrWithAnUnknownOne_EveryProblemNamed()
    {
        var name = Name("agent-bad");
        var error = await Assert.ThrowsAsync<RpcException>(() => CreateAsync($$$"""
            name: {{{name}}}
            inputs: { type: object }
            steps:
              - { id: a, kind: agent, model: tiny-gpt, prompt: "hi", tools: [no-such-tool], maxIterations: 0, next: b }
              - { id: b, kind: agent, model: tiny-gpt, prompt: "hi" }
            """));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var expected in new[] { "tool 'no-such-tool' does not exist", "steps[0].maxIterations: must be a number from 1 to 50", "steps[1].tools: an agent step needs tools" })
        {
            Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        }
    }

    private static string Name(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static string SetWorkflow(string name, string value) => $$$"""
        name: {{{name}}}
        inputs: { type: object }
        steps:
          - { id: only, kind: set, values: { value: "{{ {{{value}}} }}" } }
        output: "{{ state.value }}"
        """;

    private async Task<Workflow> CreateAsync(string yaml) =>
        await Client.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = yaml }, TestCalls.As(TestKeys.Acme, timeout: Timeout));

    private async Task<Run> RunToEndAsync(StartRunRequest request)
    {
        var run = await Client.StartRunAsync(request, TestCalls.As(TestKeys.Acme));
        return await UntilAsync(run.RunId, r => r.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled);
    }

    private async Task<Run> UntilAsync(string runId, Func<Run, bool> done)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var run = await Client.GetRunAsync(new GetRunRequest { RunId = runId }, TestCalls.As(TestKeys.Acme));
            if (done(run))
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {runId} is still {run.Status}");
            await Task.Delay(50);
        }
    }

    private async Task<List<RunEvent>> EventsAsync(string runId, int from)
    {
        var events = new List<RunEvent>();
        using var call = Client.WatchRun(new WatchRunRequest { RunId = runId, FromSequence = from }, TestCalls.As(TestKeys.Acme, timeout: Timeout));
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            if (!e.Live)
            {
                events.Add(e);
            }
        }

        return events;
    }
}
