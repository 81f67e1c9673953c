using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Tools.Pricing;
using Mesh.Tools.Registry;
using Mesh.Tools.Runtimes;
using Mesh.Tools.V1;

namespace Mesh.Tools.Tests;

/// <summary>A stand-in process runtime for registry tests: its tools answer their command and arguments.</summary>
public sealed class EchoProcessRuntime : IToolRuntime
{
    public string Kind => ToolRuntimes.Process;

    public IEnumerable<(string Field, string Problem)> Check(ToolDefinition definition)
    {
        if (definition.Spec.GetProperty("command").GetArrayLength() == 0)
        {
            yield return ("process.command", "is empty");
        }
    }

    public ITool Create(ToolDefinition definition) => new EchoProcessTool(definition);

    private sealed class EchoProcessTool(ToolDefinition definition) : ITool
    {
        public ToolDescriptor Descriptor { get; } = definition.Descriptor("sandbox");

        public ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken) =>
            ValueTask.FromResult<JsonNode?>(new JsonObject
            {
                ["command"] = JsonNode.Parse(definition.Spec.GetProperty("command").GetRawText()),
                ["arguments"] = JsonNode.Parse(arguments.GetRawText()),
            });
    }
}

/// <summary>A price list of its own, so tests never ask a telemetry service.</summary>
public sealed class FixedPrices : IToolPrices
{
    public ValueTask<ToolPrice?> PriceOfAsync(string priceClass, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ToolPrice?>(new ToolPrice
        {
            PriceClass = priceClass,
            PerCallUsd = priceClass == "calculator" ? "0.0001" : "0",
            PerCpuSecondUsd = priceClass == "sandbox" ? "0.00005" : "0",
            PriceListVersion = "test",
        });
}
