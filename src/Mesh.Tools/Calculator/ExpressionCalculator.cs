namespace Mesh.Tools.Calculator;

/// <summary>Lexes, parses and evaluates an arithmetic expression; no code is ever compiled or run.</summary>
public static class ExpressionCalculator
{
    /// <exception cref="CalculatorException">The expression is malformed or its value is not a finite number.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static double Evaluate(string expression, CancellationToken cancellationToken, CalculatorLimits? limits = null)
    {
        limits ??= CalculatorLimits.Default;
        cancellationToken.ThrowIfCancellationRequested();
        var tokens = Lexer.Tokenize(expression, limits);
        var root = Parser.Parse(tokens, limits);
        return Evaluator.Evaluate(root, cancellationToken);
    }
}
