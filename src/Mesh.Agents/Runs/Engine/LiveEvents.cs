using Google.Protobuf.WellKnownTypes;
using Mesh.Agents.Runs.Watching;
using Mesh.Agents.V1;

namespace Mesh.Agents.Runs.Engine;

/// <summary>Live-only events of one run (model tokens), stamped with the run's last stored sequence.</summary>
public sealed class LiveEvents(RunEventHub hub, string runId, Func<int> sequence, TimeProvider time)
{
    public void Tokens(string stepId, string text, int tokens) => hub.Live(runId, new RunEvent
    {
        RunId = runId,
        Sequence = sequence(),
        At = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        Live = true,
        Tokens = new ModelTokens { StepId = stepId, Text = text, Tokens = tokens },
    });
}
