using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Runs.Steps;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Workflows;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Agents.Workflows.Expressions;

namespace Mesh.Agents.Runs.Engine;

public sealed partial class RunExecutor
{
    /// <summary>
    /// A parallel step (one body per item of a list, at most <c>concurrency</c> at once, then a
    /// join) or a subworkflow (a fan-out of one). Each item's result is committed as it finishes,
    /// so a resumed run only runs the items still missing. Subworkflow items are child runs: the
    /// parent waits, and each child's end wakes it.
    /// </summary>
    private async Task<CommitOutcome> FanOutAsync(RunSession session, Execution execution, StepDefinition step, CancellationToken cancellationToken)
    {
        var body = step.Kind == StepKinds.Parallel ? DefinitionReader.ParallelBody(step) : step;
        var items = step.Kind == StepKinds.Parallel ? Items(session, step) : [null];
        var concurrency = step.Integer("concurrency") ?? 4;
        var done = session.Progress.Items;
        if (items.Count > 0 && done.Count < items.Count)
        {
            var outcome = body.Kind == StepKinds.Subworkflow
                ? await StartChildrenAsync(session, execution, step, body, items, concurrency)
                : await RunItemsAsync(session, execution, step, body, items, concurrency, cancellationToken);
            if (outcome != CommitOutcome.Committed || session.Run.Status == RunState.Waiting || done.Count < items.Count)
            {
                return outcome;
            }
        }

        var failed = done.Where(d => !d.Value.Ok).OrderBy(d => d.Key).FirstOrDefault();
        if (failed.Value is not null && !body.ContinueOnError)
        {
            throw new RunFailure(StatusCode.Aborted, $"step '{step.Id}' item {failed.Key} failed: {failed.Value.Error}", step.Id);
        }

        var joined = new JsonArray([.. Enumerable.Range(0, items.Count).Select(i => done[i].Ok ? done[i].Result?.DeepClone() : new JsonObject { ["error"] = done[i].Error })]);
        JsonNode? result = step.Kind == StepKinds.Parallel ? joined : joined[0]?.DeepClone();
        var summary = step.Kind == StepKinds.Parallel ? $"{items.Count} item(s) joined" : $"subworkflow {step.String("workflow")} finished";
        var stepResult = new StepResult(result, summary) { Name = StepName(step) };
        return await CompleteStepAsync(session, execution, step, stepResult, 1, [StepUsage(session, step, session.StepKey(step.Id), 1, time.GetTimestamp(), "", "", Usage.V1.UsageStatus.Ok, stepResult)]);
    }

    private static List<JsonNode?> Items(RunSession session, StepDefinition step)
    {
        try
        {
            return Evaluator.Evaluate(Parser.Parse(step.String("over")!), session.Scope()) switch
            {
                JsonArray list when list.Count <= 10_000 => [.. list.Select(i => i?.DeepClone())],
                JsonArray list => throw new RunFailure(StatusCode.InvalidArgument, $"{step.Path}.over: {list.Count} items; a fan-out takes at most 10000", step.Id),
                null => [],
                var other => throw new RunFailure(StatusCode.InvalidArgument, $"{step.Path}.over: gave {Values.Describe(other)}, not a list", step.Id),
            };
        }
        catch (ExpressionException ex)
        {
            throw new RunFailure(StatusCode.InvalidArgument, $"{step.Path}.over: {ex.Message}", step.Id);
        }
    }

    private async Task<CommitOutcome> RunItemsAsync(RunSession session, Execution execution, StepDefinition step, StepDefinition body, List<JsonNode?> items, int concurrency, CancellationToken cancellationToken)
    {
        var stepKey = session.StepKey(step.Id);
        using var gate = new SemaphoreSlim(concurrency, concurrency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outcome = CommitOutcome.Committed;
        RunFailure? failure = null;
        var pendingItems = Enumerable.Range(0, items.Count).Where(i => !session.Progress.Items.ContainsKey(i)).ToList();
        var tasks = pendingItems.Select(async index =>
        {
            await gate.WaitAsync(stop.Token);
            try
            {
                var scope = session.Scope().With("item", items[index]).With("index", JsonValue.Create(index));
                var itemId = $"{step.Id}[{index}]";
                ItemOutcome item;
                List<Usage.V1.UsageEvent> usageEvents;
                ToolCall? tool = null;
                try
                {
                    var (value, _) = await AttemptsAsync(session, execution, body, itemId, $"{stepKey}[{index}]", index, scope, stop.Token, item: true);
                    var (result, used) = value!.Value;
                    var ok = result.Result is not JsonObject o || o["error"] is null || !body.ContinueOnError;
                    item = new ItemOutcome(ok, result.Result, ok ? "" : result.Summary);
                    usageEvents = used;
                    tool = result.Tool;
                }
                catch (RunFailure ex) when (body.ContinueOnError)
                {
                    item = new ItemOutcome(false, null, ex.Message);
                    usageEvents = [];
                }

                var pending = new PendingCommit(_large);
                if (tool is not null)
                {
                    pending.Add(EventTypes.ToolResult, itemId, new JsonObject { ["tool"] = tool.Tool, ["result"] = tool.Result?.DeepClone(), ["replayed"] = tool.Replayed, ["key"] = tool.IdempotencyKey });
                }

                pending.Add(EventTypes.ItemCompleted, step.Id, new JsonObject { ["index"] = index, ["ok"] = item.Ok, ["result"] = item.Result?.DeepClone(), ["error"] = item.Error });
                pending.Usage.AddRange(usageEvents);
                var committed = await CommitAsync(session, execution, pending, new RunUpdate(RunState.Running, step.Id));
                if (committed != CommitOutcome.Committed)
                {
                    outcome = committed;
                    await stop.CancelAsync();
                }
            }
            catch (RunFailure ex)
            {
                failure ??= ex;
                await stop.CancelAsync();
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (failure is not null || outcome != CommitOutcome.Committed)
        {
            // One item failed for good, or the run must be reloaded: the others were stopped.
        }

        return failure is not null ? throw failure : outcome;
    }

    private async Task<CommitOutcome> StartChildrenAsync(RunSession session, Execution execution, StepDefinition step, StepDefinition body, List<JsonNode?> items, int concurrency)
    {
        var progress = session.Progress;
        var running = progress.Children.Keys.Count(i => !progress.Items.ContainsKey(i));
        var pending = new PendingCommit(_large);
        var name = body.String("workflow")!;
        var version = Pins.Of(session.Run.Pins, name, body.Integer("version") ?? 0);
        var definition = await catalog.DefinitionAsync(session.Run.Tenant, name, version, CancellationToken.None);
        foreach (var index in Enumerable.Range(0, items.Count).Where(i => !progress.Children.ContainsKey(i)).Take(Math.Max(0, concurrency - running)))
        {
            JsonNode? inputs;
            try
            {
                inputs = Template.RenderJson(body.Node("inputs"), session.Scope().With("item", items[index]).With("index", JsonValue.Create(index))) ?? new JsonObject();
            }
            catch (ExpressionException ex)
            {
                throw new RunFailure(StatusCode.InvalidArgument, $"{body.Path}.inputs: {ex.Message}", step.Id);
            }

            var problems = SchemaCheck.Violations(definition.Inputs.ToJsonString(), inputs);
            if (problems.Count > 0)
            {
                throw new RunFailure(StatusCode.InvalidArgument, $"{body.Path}.inputs do not match the inputs of workflow '{name}': {string.Join("; ", problems)}", step.Id);
            }

            var now = time.GetUtcNow();
            var child = session.Run with
            {
                Id = Guid.CreateVersion7(now).ToString(),
                Workflow = name,
                Version = version,
                Status = RunState.Pending,
                InputsJson = inputs.ToJsonString(),
                ClientRequestId = null,
                RequestDigest = "",
                ParentRunId = session.Run.Id,
                ParentStep = step.Id,
                ParentIndex = index,
                CreatedAt = now.ToUnixTimeMilliseconds(),
                UpdatedAt = now.ToUnixTimeMilliseconds(),
                MaxSteps = definition.Limits.MaxSteps,
                LastSeq = 0,
                StepsDone = 0,
                Cursor = definition.Start,
                WaitingFor = "",
                WakeAt = null,
                CancelRequested = false,
                OutputJson = null,
                ErrorCode = null,
                ErrorMessage = null,
                ErrorStep = null,
                LeaseOwner = "",
                LeaseExpires = 0,
                Fence = 0,
            };
            pending.Children.Add((child, []));
            pending.Add(EventTypes.ChildStarted, step.Id, new JsonObject { ["index"] = index, ["childRunId"] = child.Id, ["workflow"] = name, ["version"] = version });
        }

        return await CommitAsync(session, execution, pending, new RunUpdate(RunState.Waiting, step.Id)
        {
            WaitingFor = "children:" + step.Id,
            WakeAt = session.Run.Deadline,
            ReleaseLease = true,
        });
    }
}
