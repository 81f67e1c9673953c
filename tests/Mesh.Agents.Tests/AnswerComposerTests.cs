using Mesh.Agents.Assistant;
using Mesh.Agents.Knowledge;

namespace Mesh.Agents.Tests;

public sealed class AnswerComposerTests
{
    private static readonly KnowledgeDocument Doc = new("mesh", "What Mesh is", "Mesh is an AI infrastructure mesh.");

    [Fact]
    public void Compose_Calculation_AnswersWithTheValue() =>
        Assert.Equal("12.5 * (3 + 4.2) = 90", AnswerComposer.Compose([new(Doc, 0.9)], new Calculation("12.5 * (3 + 4.2)", 90, null)));

    [Fact]
    public void Compose_FailedCalculation_SaysWhy() =>
        Assert.Equal("I could not compute 1 / 0: division by zero", AnswerComposer.Compose([], new Calculation("1 / 0", null, "division by zero")));

    [Fact]
    public void Compose_RelevantPassage_AnswersFromIt() =>
        Assert.Equal(Doc.Text, AnswerComposer.Compose([new(Doc, AnswerComposer.RelevanceThreshold + 0.01)], null));

    [Fact]
    public void Compose_NothingRelevant_SaysItDoesNotKnow() =>
        Assert.StartsWith("I don't know", AnswerComposer.Compose([new(Doc, AnswerComposer.RelevanceThreshold - 0.01)], null), StringComparison.Ordinal);
}
