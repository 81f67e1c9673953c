using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Mesh.Agents.Runs.Engine;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.V1;
using Mesh.ServiceDefaults.Json;

namespace Mesh.Agents.Runs.Api;

/// <summary>Stored runs and events as the API shows them.</summary>
public static class RunViews
{
    public static RunStatus Status(RunState state) => state switch
    {
        RunState.Pending => RunStatus.Pending,
        RunState.Running => RunStatus.Running,
        RunState.Waiting => RunStatus.Waiting,
        RunState.Completed => RunStatus.Completed,
        RunState.Failed => RunStatus.Failed,
        RunState.Cancelled => RunStatus.Cancelled,
        _ => RunStatus.Unspecified,
    };

    public static RunState? State(RunStatus status) => status switch
    {
        RunStatus.Pending => RunState.Pending,
        RunStatus.Running => RunState.Running,
        RunStatus.Waiting => RunState.Waiting,
        RunStatus.Completed => RunState.Completed,
        RunStatus.Failed => RunState.Failed,
        RunStatus.Cancelled => RunState.Cancelled,
        _ => null,
    };

    public static Timestamp Time(long unixMs) => Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    /// <summary>The run without steps and state (lists).</summary>
    public static Run Summary(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var view = new Run
        {
            RunId = run.Id,
            Workflow = run.Workflow,
            Version = run.Version,
            Status = Status(run.Status),
            InputsJson = run.InputsJson,
            OutputJson = run.OutputJson ?? "",
            CreatedAt = Time(run.CreatedAt),
            UpdatedAt = Time(run.UpdatedAt),
            Deadline = Time(run.Deadline),
            ClientRequestId = run.ClientRequestId ?? "",
            CancelRequested = run.CancelRequested,
            StepsDone = run.StepsDone,
            MaxSteps = run.MaxSteps,
            LastSequence = run.LastSeq,
            ParentRunId = run.ParentRunId,
            PrincipalId = run.PrincipalId,
        };
        if (run.Status == RunState.Waiting && run.WaitingFor.StartsWith("signal:", StringComparison.Ordinal))
        {
            view.WaitingFor = run.WaitingFor["signal:".Length..];
            if (run.WakeAt is { } until && until < run.Deadline)
            {
                view.WaitingUntil = Time(until);
            }
        }

        if (run.ErrorCode is not null)
        {
            view.Error = new RunError { Code = run.ErrorCode, Message = run.ErrorMessage ?? "", StepId = run.ErrorStep ?? "" };
        }

        return view;
    }

    /// <summary>The whole run: steps with their results, and the state their changes add up to.</summary>
    public static Run Full(RunRecord run, IReadOnlyList<StoredEvent> events, RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(progress);
        var view = Summary(run);
        view.StateJson = progress.State.ToJsonString();
        var steps = new Dictionary<string, StepRecord>(StringComparer.Ordinal);
        var order = new List<StepRecord>();
        foreach (var e in events)
        {
            var data = JsonNode.Parse(e.Data) as JsonObject ?? [];
            StepRecord Open()
            {
                if (!steps.TryGetValue(e.Step, out var record) || record.Status is "completed" or "failed")
                {
                    record = new StepRecord { StepId = e.Step, Status = "running", StartedAt = Time(e.At), Attempts = 1 };
                    steps[e.Step] = record;
                    order.Add(record);
                }

                return record;
            }

            switch (e.Type)
            {
                case EventTypes.StepStarted:
                    var started = Open();
                    started.Kind = Text(data["kind"]);
                    started.Name = Text(data["name"]);
                    break;
                case EventTypes.StepRetried:
                    Open().Attempts = Int(data["attempt"]) + 1;
                    break;
                case EventTypes.Waiting:
                    Open().Status = "waiting";
                    break;
                case EventTypes.StepCompleted:
                    var done = Open();
                    done.Kind = Text(data["kind"]);
                    done.Name = Text(data["name"]);
                    done.Status = "completed";
                    done.ResultJson = JsonText.Of(data["result"]);
                    done.Summary = Text(data["summary"]);
                    done.FinishedAt = Time(e.At);
                    done.DurationMs = Double(data["durationMs"]);
                    done.InputTokens = Int(data["inputTokens"]);
                    done.OutputTokens = Int(data["outputTokens"]);
                    done.Attempts = Math.Max(done.Attempts, Int(data["attempt"]));
                    break;
                case EventTypes.StepFailed:
                    var failed = Open();
                    failed.Status = "failed";
                    failed.Error = $"{Text(data["code"])}: {Text(data["message"])}";
                    failed.FinishedAt = Time(e.At);
                    break;
                case EventTypes.StepCompensated when steps.TryGetValue(e.Step, out var compensated):
                    compensated.Status = "compensated";
                    break;
            }
        }

        view.Steps.AddRange(order);
        return view;
    }

    /// <summary>A stored event as the stream shows it.</summary>
    public static RunEvent Event(string runId, StoredEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var data = JsonNode.Parse(e.Data) as JsonObject ?? [];
        var view = new RunEvent { RunId = runId, Sequence = e.Seq, At = Time(e.At) };
        switch (e.Type)
        {
            case EventTypes.RunStarted:
                view.Started = new RunStarted
                {
                    Agent = Text(data["workflow"]),
                    Version = Int(data["version"]),
                    InputsJson = data["inputs"]?.ToJsonString() ?? "{}",
                    Input = data["inputs"] is JsonObject i && i["question"] is JsonValue q && q.TryGetValue<string>(out var question) ? question : data["inputs"]?.ToJsonString() ?? "",
                };
                break;
            case EventTypes.StepStarted:
                view.StepStarted = new StepStarted { StepId = e.Step, Kind = Text(data["kind"]), Name = Text(data["name"]), Attempt = Int(data["attempt"]) };
                break;
            case EventTypes.StepCompleted:
                view.Step = new StepCompleted
                {
                    StepId = e.Step,
                    Kind = Text(data["kind"]),
                    Name = Text(data["name"]),
                    Summary = Text(data["summary"]),
                    DurationMs = Double(data["durationMs"]),
                    Tokens = Int(data["inputTokens"]) + Int(data["outputTokens"]),
                    ResultJson = JsonText.Of(data["result"]),
                    Attempt = Int(data["attempt"]),
                    NextStep = Text(data["next"]),
                };
                break;
            case EventTypes.ItemCompleted or EventTypes.ChildCompleted:
                view.Step = new StepCompleted
                {
                    StepId = $"{e.Step}[{Int(data["index"])}]",
                    Kind = e.Type == EventTypes.ChildCompleted ? "subworkflow" : "item",
                    Summary = data["ok"]?.GetValue<bool>() == false ? $"failed: {Text(data["error"])}" : "done",
                    ResultJson = JsonText.Of(data["result"]),
                };
                break;
            case EventTypes.StepRetried:
                view.StepRetried = new StepRetried { StepId = e.Step, Attempt = Int(data["attempt"]), Error = Text(data["error"]), BackoffMs = Double(data["backoffMs"]) };
                break;
            case EventTypes.StepFailed:
                view.StepFailed = new StepFailed { StepId = e.Step, Code = Text(data["code"]), Message = Text(data["message"]), Attempt = Int(data["attempt"]) };
                break;
            case EventTypes.ToolResult:
                view.ToolResult = new ToolResult { StepId = e.Step, Tool = Text(data["tool"]), ResultJson = JsonText.Of(data["result"]), Replayed = data["replayed"]?.GetValue<bool>() ?? false, IdempotencyKey = Text(data["key"]) };
                break;
            case EventTypes.Waiting:
                view.Waiting = new WaitingForSignal { StepId = e.Step, Signal = Text(data["signal"]) };
                if (data["until"] is JsonValue until && until.TryGetValue<double>(out var ms))
                {
                    view.Waiting.Until = Time((long)ms);
                }

                break;
            case EventTypes.SignalReceived:
                view.Signal = new SignalReceived { StepId = e.Step, Signal = Text(data["signal"]), PayloadJson = data["payload"]?.ToJsonString() ?? "null", PrincipalId = Text(data["principal"]) };
                break;
            case EventTypes.ChildStarted:
                view.StepStarted = new StepStarted { StepId = $"{e.Step}[{Int(data["index"])}]", Kind = "subworkflow", Name = $"{Text(data["workflow"])} run {Text(data["childRunId"])}", Attempt = 1 };
                break;
            case EventTypes.StepCompensated:
                view.Compensated = new StepCompensated { StepId = e.Step, Compensation = Text(data["compensation"]), ResultJson = JsonText.Of(data["result"]) };
                break;
            case EventTypes.RunCompleted:
                view.Completed = Completed(data);
                break;
            case EventTypes.RunFailed:
                view.Failed = new RunFailed { Code = Text(data["code"]), Message = Text(data["message"]), StepId = Text(data["step"]) };
                break;
            case EventTypes.RunCancelled:
                view.Cancelled = new RunCancelled { Reason = Text(data["reason"]) };
                view.Cancelled.Compensated.AddRange((data["compensated"] as JsonArray ?? []).Select(Text));
                break;
        }

        return view;
    }

    private static RunCompleted Completed(JsonObject data)
    {
        var output = data["output"];
        var completed = new RunCompleted { OutputJson = output?.ToJsonString() ?? "null", DurationMs = Double(data["durationMs"]) };
        completed.Answer = output is JsonObject o && o["answer"] is { } answer ? Text(answer) : output is JsonValue ? Text(output) : output?.ToJsonString() ?? "";
        if (output is JsonObject withSources && withSources["sources"] is JsonArray sources)
        {
            completed.Sources.AddRange(sources.OfType<JsonObject>().Select(s => new Source { Id = Text(s["id"]), Title = Text(s["title"]), Score = Double(s["score"]) }));
        }

        return completed;
    }

    private static string Text(JsonNode? node) => Workflows.Expressions.Values.Text(node);

    private static int Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? (int)d : 0;

    private static double Double(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;
}
