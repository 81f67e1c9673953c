using System.Text.Json.Nodes;
using Mesh.Agents.Runs.Store;

namespace Mesh.Agents.Runs.Engine;

/// <summary>A step that completed, as compensation needs it.</summary>
public sealed record CompletedStep(string StepId, JsonNode? Result)
{
    public bool Compensated { get; set; }
}

/// <summary>What a fan-out item or child run ended with.</summary>
public sealed record ItemOutcome(bool Ok, JsonNode? Result, string Error);

/// <summary>
/// Where a run stands, folded from its history: the state (every completed step's changes
/// applied in order, so the history holds changes, never copies), the step it is at and that
/// step's attempts, fan-out items done, a signal received, and the steps compensation may undo.
/// </summary>
public sealed class RunProgress
{
    public JsonObject State { get; } = [];

    public Dictionary<string, int> Visits { get; } = new(StringComparer.Ordinal);

    public List<CompletedStep> Completed { get; } = [];

    public string Cursor { get; private set; } = "";

    public int StepsDone { get; private set; }

    public int Seq { get; set; }

    /// <summary>Attempt of the current step (1 at first).</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>The attempt its idempotency keys carry: a write that may have happened is retried under the same key.</summary>
    public int KeyAttempt { get; set; } = 1;

    public Dictionary<int, ItemOutcome> Items { get; } = [];

    public Dictionary<int, string> Children { get; } = [];

    public bool Waited { get; private set; }

    public JsonObject? Signal { get; private set; }

    public long StepStartedAt { get; private set; }

    public bool Finished { get; private set; }

    /// <summary>Folds the events of a run, resolving large values through <paramref name="blob"/>.</summary>
    public static async Task<RunProgress> FoldAsync(IReadOnlyList<StoredEvent> events, Func<string, Task<JsonNode?>> blob)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(blob);
        var progress = new RunProgress();
        foreach (var stored in events)
        {
            var data = JsonNode.Parse(stored.Data) as JsonObject ?? [];
            await ResolveAsync(data, blob);
            progress.Apply(stored, data);
        }

        return progress;
    }

    private static async Task ResolveAsync(JsonObject data, Func<string, Task<JsonNode?>> blob)
    {
        foreach (var key in data.Select(p => p.Key).ToList())
        {
            if (LargeValues.IsReference(data[key], out var hash))
            {
                data[key] = await blob(hash);
            }
            else if (key == "changes" && data[key] is JsonObject changes)
            {
                await ResolveAsync(changes, blob);
            }
        }
    }

    public void Apply(StoredEvent stored, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(data);
        Seq = stored.Seq;
        switch (stored.Type)
        {
            case EventTypes.StepStarted:
                Cursor = stored.Step;
                Attempt = 1;
                KeyAttempt = 1;
                Items.Clear();
                Children.Clear();
                Waited = false;
                Signal = null;
                StepStartedAt = stored.At;
                break;
            case EventTypes.StepRetried:
                Attempt = (int)(data["attempt"]?.GetValue<double>() ?? Attempt) + 1;
                KeyAttempt = (int)(data["keyAttempt"]?.GetValue<double>() ?? Attempt);
                break;
            case EventTypes.ItemCompleted or EventTypes.ChildCompleted:
                var index = (int)(data["index"]?.GetValue<double>() ?? 0);
                var ok = data["ok"]?.GetValue<bool>() ?? true;
                Items[index] = new ItemOutcome(ok, data["result"]?.DeepClone(), data["error"]?.GetValue<string>() ?? "");
                break;
            case EventTypes.ChildStarted:
                Children[(int)(data["index"]?.GetValue<double>() ?? 0)] = data["childRunId"]?.GetValue<string>() ?? "";
                break;
            case EventTypes.Waiting:
                Waited = true;
                break;
            case EventTypes.SignalReceived:
                Signal = data;
                break;
            case EventTypes.StepCompleted:
                if (data["changes"] is JsonObject changes)
                {
                    foreach (var (key, value) in changes)
                    {
                        State[key] = value?.DeepClone();
                    }
                }

                Visits[stored.Step] = Visits.GetValueOrDefault(stored.Step) + 1;
                StepsDone++;
                Completed.Add(new CompletedStep(stored.Step, data["result"]?.DeepClone()));
                Cursor = data["next"]?.GetValue<string>() ?? "";
                break;
            case EventTypes.StepCompensated:
                foreach (var step in Completed.Where(c => c.StepId == stored.Step))
                {
                    step.Compensated = true;
                }

                break;
            case EventTypes.RunCompleted or EventTypes.RunFailed or EventTypes.RunCancelled:
                Finished = true;
                Cursor = "";
                break;
        }
    }
}
