using Mesh.Agents.Assistant;

namespace Mesh.Agents.Tests;

public sealed class ExpressionExtractorTests
{
    [Theory]
    [InlineData("What is 12.5 * (3 + 4.2)?", "12.5 * (3 + 4.2)")]
    [InlineData("Please compute 2^10 - 24 for me.", "2^10 - 24")]
    [InlineData("sqrt(16) + 1", "sqrt(16) + 1")]
    [InlineData("How much is 7 / 0?", "7 / 0")]
    [InlineData("what's -3 * -4", "-3 * -4")]
    public void Find_QuestionWithArithmetic_ReturnsTheExpression(string question, string expected) =>
        Assert.Equal(expected, ExpressionExtractor.Find(question));

    [Theory]
    [InlineData("What is Mesh?")]
    [InlineData("Tell me about version 2.0 of the tools service")]
    [InlineData("It happened in 2024.")]
    [InlineData("")]
    public void Find_QuestionWithoutArithmetic_ReturnsNull(string question) =>
        Assert.Null(ExpressionExtractor.Find(question));
}
