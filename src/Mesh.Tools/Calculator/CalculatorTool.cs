using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Calculator;

/// <summary>Evaluates arithmetic expressions exactly as written, in double precision.</summary>
public sealed class CalculatorTool : ITool
{
    public const string Name = "calculator";

    private const string Schema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {
            "expression": {
              "type": "string",
              "minLength": 1,
              "maxLength": 1000,
              "description": "Arithmetic: numbers, + - * / % ^ (power, right-associative), parentheses, constants pi and e, functions sqrt abs ln log10 exp min max round floor ceil."
            }
          },
          "required": ["expression"],
          "additionalProperties": false
        }
        """;

    public ToolDescriptor Descriptor { get; } = new(
        Name,
        "1.0.0",
        "Evaluates an arithmetic expression such as (2+3)*4 or sqrt(2)^2 and returns its numeric value.",
        Schema,
        TimeSpan.FromSeconds(2),
        SideEffect.None);

    public ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var expression = arguments.GetProperty("expression").GetString() ?? "";
        try
        {
            var value = ExpressionCalculator.Evaluate(expression, cancellationToken);
            return ValueTask.FromResult<JsonNode?>(new JsonObject
            {
                ["value"] = value,
                ["expression"] = expression,
            });
        }
        catch (CalculatorException ex)
        {
            throw new ToolArgumentException("/expression", ex.Message, ex);
        }
    }
}
