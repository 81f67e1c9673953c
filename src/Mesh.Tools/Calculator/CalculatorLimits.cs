namespace Mesh.Tools.Calculator;

/// <summary>Bounds that keep one expression's cost small whatever its text.</summary>
/// <param name="MaxDepth">How deeply parentheses, function calls, signs and powers may nest.</param>
/// <param name="MaxTokens">How many tokens (numbers, names, operators) one expression may hold.</param>
public sealed record CalculatorLimits(int MaxDepth = 64, int MaxTokens = 512)
{
    public static CalculatorLimits Default { get; } = new();
}
