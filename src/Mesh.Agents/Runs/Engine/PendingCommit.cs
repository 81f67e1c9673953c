using System.Text.Json.Nodes;
using Mesh.Agents.Runs.Store;
using Mesh.Usage.V1;

namespace Mesh.Agents.Runs.Engine;

/// <summary>The events, large values, usage and child runs one commit will write.</summary>
public sealed class PendingCommit(LargeValues large)
{
    private static readonly string[] LargeFields = ["result", "output", "payload"];

    public List<(NewEvent Event, JsonObject Data)> Events { get; } = [];

    public List<(string Hash, byte[] Content)> Blobs { get; } = [];

    public List<UsageEvent> Usage { get; } = [];

    public List<(RunRecord Run, IReadOnlyList<NewEvent> Events)> Children { get; } = [];

    public ParentNotice? Parent { get; set; }

    public PendingCommit Add(string type, string step, JsonObject data)
    {
        var stored = new JsonObject();
        foreach (var (key, value) in data)
        {
            if (LargeFields.Contains(key))
            {
                stored[key] = large.Externalize(value, Blobs);
            }
            else if (key == "changes" && value is JsonObject changes)
            {
                stored[key] = new JsonObject(changes.Select(c => KeyValuePair.Create(c.Key, large.Externalize(c.Value, Blobs))));
            }
            else
            {
                stored[key] = value?.DeepClone();
            }
        }

        Events.Add((new NewEvent(type, step, stored.ToJsonString()), data));
        return this;
    }
}
