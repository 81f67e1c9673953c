using Mesh.Tools.Calculator;

namespace Mesh.Tools.Tests.Calculator;

public sealed class ExpressionCalculatorTests
{
    private static double Eval(string expression, CalculatorLimits? limits = null) =>
        ExpressionCalculator.Evaluate(expression, CancellationToken.None, limits);

    private static CalculatorException Fails(string expression, CalculatorLimits? limits = null) =>
        Assert.Throws<CalculatorException>(() => Eval(expression, limits));

    [Theory]
    [InlineData("2+3*4", 14)]
    [InlineData("(2+3)*4", 20)]
    [InlineData("10-4-3", 3)]
    [InlineData("100/10/5", 2)]
    [InlineData("2*3^2", 18)]
    [InlineData("7%4*2", 6)]
    [InlineData("1+10%4", 3)]
    public void Evaluate_Precedence_FollowsArithmeticRules(string expression, double expected) =>
        Assert.Equal(expected, Eval(expression));

    [Fact]
    public void Evaluate_PowerChain_IsRightAssociative() => Assert.Equal(512, Eval("2^3^2"));

    [Theory]
    [InlineData("-3", -3)]
    [InlineData("--3", 3)]
    [InlineData("+3", 3)]
    [InlineData("-2^2", -4)]
    [InlineData("2^-1", 0.5)]
    [InlineData("3*-2", -6)]
    [InlineData("-(2+3)", -5)]
    public void Evaluate_UnarySigns_ApplyToTheirOperand(string expression, double expected) =>
        Assert.Equal(expected, Eval(expression));

    [Theory]
    [InlineData("sqrt(16)", 4)]
    [InlineData("abs(-2.5)", 2.5)]
    [InlineData("ln(e)", 1)]
    [InlineData("log10(1000)", 3)]
    [InlineData("exp(0)", 1)]
    [InlineData("min(3, 1, 2)", 1)]
    [InlineData("max(3, 1, 2)", 3)]
    [InlineData("round(2.5)", 3)]
    [InlineData("round(3.14159, 2)", 3.14)]
    [InlineData("floor(-1.5)", -2)]
    [InlineData("ceil(1.2)", 2)]
    [InlineData("SQRT(4)", 2)]
    [InlineData("max(1, sqrt(min(16, 25)))", 4)]
    public void Evaluate_Functions_ReturnTheirValue(string expression, double expected) =>
        Assert.Equal(expected, Eval(expression), 12);

    [Fact]
    public void Evaluate_Constants_AreKnown()
    {
        Assert.Equal(Math.PI, Eval("pi"));
        Assert.Equal(Math.E, Eval("e"));
        Assert.Equal(2 * Math.PI, Eval("2*pi"));
    }

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5)]
    [InlineData("1e3", 1000)]
    [InlineData("1.5E+2", 150)]
    [InlineData("25e-2", 0.25)]
    public void Evaluate_NumberForms_AreParsed(string expression, double expected) =>
        Assert.Equal(expected, Eval(expression));

    [Fact]
    public void Evaluate_Whitespace_IsIgnored() => Assert.Equal(20, Eval(" \t( 2 +\n3 ) *  4 "));

    [Theory]
    [InlineData("2+", 3, "expected a number, a name or '('")]
    [InlineData("(2+3", 5, "expected ')' to close the '(' at position 1")]
    [InlineData("2 3", 3, "expected an operator or the end of the expression")]
    [InlineData("2+$", 3, "unexpected character '$'")]
    [InlineData("*2", 1, "expected a number, a name or '('")]
    [InlineData("max(1,", 7, "expected a number")]
    [InlineData("1..2", 3, "expected an operator or the end of the expression")]
    [InlineData("1+.", 3, "malformed number")]
    public void Evaluate_SyntaxError_ReportsPositionAndExpectation(string expression, int position, string expected)
    {
        var error = Fails(expression);
        Assert.Equal(position, error.Position);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains($"position {position}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("foo(1)", "unknown function 'foo'")]
    [InlineData("x + 1", "unknown name 'x'")]
    [InlineData("sqrt(1, 2)", "takes 1 argument, got 2")]
    [InlineData("sqrt + 1", "sqrt is a function")]
    public void Evaluate_UnknownNamesOrArity_AreRejected(string expression, string expected) =>
        Assert.Contains(expected, Fails(expression).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("1/0", 2)]
    [InlineData("5 % (3-3)", 3)]
    [InlineData("1 + 2/(1-1)", 6)]
    public void Evaluate_DivisionByZero_NamesThePosition(string expression, int position)
    {
        var error = Fails(expression);
        Assert.Equal($"division by zero at position {position}", error.Message);
    }

    [Theory]
    [InlineData("10^400", "overflow")]
    [InlineData("sqrt(-1)", "undefined")]
    [InlineData("ln(0)", "overflow")]
    [InlineData("1e308*10", "overflow")]
    [InlineData("1e999", "too large")]
    public void Evaluate_NonFiniteResult_IsRejected(string expression, string expected) =>
        Assert.Contains(expected, Fails(expression).Message, StringComparison.Ordinal);

    [Fact]
    public void Evaluate_NestingWithinLimit_Succeeds() =>
        Assert.Equal(1, Eval(new string('(', 40) + "1" + new string(')', 40)));

    [Fact]
    public void Evaluate_NestingOverLimit_IsRejected()
    {
        var error = Fails(new string('(', 100) + "1" + new string(')', 100));
        Assert.Contains("nesting deeper than 64 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_LongSignChain_IsRejectedByDepth() =>
        Assert.Contains("nesting", Fails(new string('-', 200) + "1").Message, StringComparison.Ordinal);

    [Fact]
    public void Evaluate_HugeExpression_HitsTheTokenLimit()
    {
        var expression = string.Join("+", Enumerable.Repeat("1", 100_000));
        var error = Fails(expression);
        Assert.Contains("more than 512 tokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_LongFlatExpressionUnderTheLimit_Succeeds() =>
        Assert.Equal(200, Eval(string.Join("+", Enumerable.Repeat("1", 200))));

    [Fact]
    public void Evaluate_CustomLimits_AreApplied() =>
        Assert.Contains("more than 3 tokens", Fails("1+2+3", new CalculatorLimits(MaxTokens: 3)).Message, StringComparison.Ordinal);

    [Fact]
    public void Evaluate_CancelledToken_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ExpressionCalculator.Evaluate("1+1", cts.Token));
    }
}
