using System.Text.Json.Nodes;
using Mesh.Agents.Workflows.Expressions;

namespace Mesh.Agents.Tests;

public sealed class ExpressionTests
{
    private static readonly Scope State = new(JsonNode.Parse("""{"question":"What is 6 * 7?","numbers":[3,1,2]}"""), JsonNode.Parse("""{"hits":[{"score":0.8,"title":"A"}],"n":4}"""));

    [Theory]
    [InlineData("state.n * 2 + 1", "9")]
    [InlineData("state.hits[0].score >= 0.3 ? state.hits[0].title : 'none'", "\"A\"")]
    [InlineData("state.missing.deeper == null", "true")]
    [InlineData("len(inputs.numbers) == 3 && 2 in inputs.numbers", "true")]
    [InlineData("arithmetic(inputs.question)", "\"6 * 7\"")]
    [InlineData("join(split('a,b,c', ','), '-')", "\"a-b-c\"")]
    [InlineData("max(inputs.numbers) - min(3, 1, 2)", "2")]
    [InlineData("not (state.n > 3) or upper('x') == 'X'", "true")]
    [InlineData("inputs.numbers[-1]", "2")]
    public void Evaluate_ValidExpression_ValueOverInputsAndState(string expression, string expected)
    {
        var value = Evaluator.Evaluate(Parser.Parse(expression), State);

        Assert.Equal(expected, value?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData("state.n >", "ends where a value was expected")]
    [InlineData("exec('rm -rf /')", "unknown function 'exec'")]
    [InlineData("len(1, 2)", "len takes 1 argument, not 2")]
    [InlineData("'open", "is not closed")]
    [InlineData("a = 1", "unexpected character '='")]
    public void Parse_InvalidExpression_SaysWhatAndWhere(string expression, string problem)
    {
        var error = Assert.Throws<ExpressionException>(() => Parser.Parse(expression));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_UnknownName_RefusedNamingTheScope()
    {
        var error = Assert.Throws<ExpressionException>(() => Evaluator.Evaluate(Parser.Parse("environment.PATH"), State));

        Assert.Contains("unknown name 'environment'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WorkBeyondTheLimit_StopsInsteadOfRunningOn()
    {
        // 200 copies of a 10,000-character input, each joined onto the last: far past the limit.
        var big = new Scope(JsonNode.Parse($$"""{"big":"{{new string('x', 10_000)}}"}"""), null);
        var error = Assert.Throws<ExpressionException>(() => Evaluator.Evaluate(Parser.Parse(string.Join(" + ", Enumerable.Repeat("json(inputs)", 200))), big));

        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_OneExpression_KeepsItsTypeAndMixedTextJoins()
    {
        var list = Template.Parse("{{ inputs.numbers }}").Render(State);
        var text = Template.Parse("n is {{ state.n }} of {{ len(inputs.numbers) }}").Render(State);

        Assert.IsType<JsonArray>(list);
        Assert.Equal("\"n is 4 of 3\"", text!.ToJsonString());
    }
}
