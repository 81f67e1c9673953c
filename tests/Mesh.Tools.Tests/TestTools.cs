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

/// <summary>A tool with a side effect: counts its runs; <c>{"hold":true}</c> waits until <see cref="Release"/>.</summary>
public sealed class CountingTool : ITool
{
    public const string Name = "counter";

    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    /// <summary>Completes once a held run has begun.</summary>
    public Task Held => _held.Task;

    public ToolDescriptor Descriptor { get; } = new(Name, "1.0.0", "Counts its runs.",
        """{ "type": "object", "properties": { "add": { "type": "integer" }, "note": { "type": "string" }, "hold": { "type": "boolean" }, "fail": { "type": "boolean" } }, "additionalProperties": false }""",
        TimeSpan.FromSeconds(20), SideEffect.Write);

    public void Release() => _release.TrySetResult();

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var run = Interlocked.Increment(ref _runs);
        if (arguments.TryGetProperty("hold", out var hold) && hold.GetBoolean())
        {
            _held.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
        }

        if (arguments.TryGetProperty("fail", out var fail) && fail.GetBoolean())
        {
            throw new ToolArgumentException("/fail", $"failed on run {run}");
        }

        return new JsonObject { ["run"] = run };
    }
}
