namespace Mesh.Agents.Runs.Engine;

/// <summary>The kinds of events in a run's history.</summary>
public static class EventTypes
{
    public const string RunStarted = "run_started";
    public const string StepStarted = "step_started";
    public const string StepCompleted = "step_completed";
    public const string StepRetried = "step_retried";
    public const string StepFailed = "step_failed";
    public const string ItemCompleted = "item_completed";
    public const string ChildStarted = "child_started";
    public const string ChildCompleted = "child_completed";
    public const string ToolResult = "tool_result";
    public const string Waiting = "waiting";
    public const string SignalReceived = "signal_received";
    public const string StepCompensated = "step_compensated";
    public const string RunCompleted = "run_completed";
    public const string RunFailed = "run_failed";
    public const string RunCancelled = "run_cancelled";

    /// <summary>Whether an event of this type is a run's last.</summary>
    public static bool Ends(string type) => type is RunCompleted or RunFailed or RunCancelled;
}
