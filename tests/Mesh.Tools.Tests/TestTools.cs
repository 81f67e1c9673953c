using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Tests;

/// <summary>A tool that only ends when its token is cancelled.</summary>
public sealed class NeverEndingTool(TimeSpan timeout) : ITool
{
    public const string Name = "never_ending";

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once an execution has begun.</summary>
    public Task Started => _started.Task;

    public ToolDescriptor Descriptor { get; } = new(Name, "1.0.0", "Waits until cancelled.",
        """{ "type": "object", "additionalProperties": false }""", timeout, SideEffect.None);

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        return null;
    }
}

/// <summary>A tool that returns its arguments, registered under any version.</summary>
public sealed class EchoTool(string version) : ITool
{
    public const string Name = "echo";

    public ToolDescriptor Descriptor { get; } = new(Name, version, "Returns its arguments.",
        """{ "type": "object", "properties": { "text": { "type": "string" } }, "additionalProperties": false }""",
        TimeSpan.FromSeconds(1), SideEffect.None);

    public ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken) =>
        ValueTask.FromResult<JsonNode?>(new JsonObject { ["version"] = Descriptor.Version, ["arguments"] = JsonNode.Parse(arguments.GetRawText()) });
}
