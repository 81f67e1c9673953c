using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Tools.V1;
using Mesh.ServiceDefaults.Json;

namespace Mesh.Agents.Runs.Steps;

/// <summary>
/// <c>tool</c>: renders the arguments from state, checks them against the tool's schema, and
/// invokes the tool with an idempotency key derived from run, step, fan-out index and attempt,
/// so the tools service answers a repeat (a run resumed after a crash) from its ledger instead
/// of running the effect again. A write that may have happened is retried only under its key.
/// </summary>
public sealed class ToolStep(Tools.V1.Tools.ToolsClient tools) : IStepHandler
{
    public string Kind => StepKinds.Tool;

    public async Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var name = invocation.Step.String("tool")!;
        var arguments = invocation.Render("arguments") ?? new JsonObject();
        var call = await InvokeAsync(invocation.Run, name, invocation.Step.String("version") ?? "", arguments, invocation.IdempotencyKey, $"{invocation.Step.Path}.arguments", cancellationToken);
        var summary = $"{name}{(call.Replayed ? " (answered from the tools ledger)" : "")}: {Shorten(JsonText.Of(call.Result))}";
        return new StepResult(call.Result, summary) { Name = name, Tool = call };
    }

    /// <summary>A tool as the run's credential lists it (name, description, argument schema), or null.</summary>
    public Task<ToolInfo?> DescribeAsync(Engine.RunSession run, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.ToolAsync(tools, name, cancellationToken);
    }

    /// <summary>Invokes a tool for a run: schema checked here first, side-effect class from the registry.</summary>
    public async Task<ToolCall> InvokeAsync(Engine.RunSession run, string name, string version, JsonNode arguments, string key, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(arguments);
        // A tool the run's credential cannot list is still asked for: the tools service says why it is refused.
        var info = await run.ToolAsync(tools, name, cancellationToken);
        var violations = string.IsNullOrEmpty(info?.ArgumentsSchema) ? [] : SchemaCheck.Violations(info.ArgumentsSchema, arguments);
        if (violations.Count > 0)
        {
            throw StepFailureException.Invalid($"{path}: the arguments do not match the schema of tool '{name}': {string.Join("; ", violations)}");
        }

        var write = info is null || info.SideEffect == SideEffect.Write;
        try
        {
            var response = await tools.InvokeToolAsync(new InvokeToolRequest
            {
                Tool = name,
                Version = version,
                ArgumentsJson = arguments.ToJsonString(),
                IdempotencyKey = key,
            }, cancellationToken: cancellationToken);
            JsonNode? result;
            try
            {
                result = JsonNode.Parse(response.ResultJson.Length == 0 ? "null" : response.ResultJson);
            }
            catch (JsonException)
            {
                result = JsonValue.Create(response.ResultJson);
            }

            return new ToolCall(name, key, result, response.Replayed);
        }
        catch (RpcException ex)
        {
            throw StepFailureException.From(ex, write);
        }
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..157] + "...";
}
