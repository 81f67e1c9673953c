using System.Text.RegularExpressions;

namespace Mesh.Agents.Assistant;

/// <summary>Finds an arithmetic expression in a question, for the calculator tool.</summary>
public static partial class ExpressionExtractor
{
    /// <summary>The longest run of numbers, operators, parentheses and known functions that has an operator in it.</summary>
    public static string? Find(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return Candidates().Matches(question)
            .Select(m => m.Value.Trim().TrimEnd('.', ',', '?', '!').Trim())
            .Where(IsArithmetic)
            .OrderByDescending(c => c.Length)
            .FirstOrDefault();
    }

    private static bool IsArithmetic(string candidate) =>
        candidate.Any(char.IsDigit) && (OperatorBetweenOperands().IsMatch(candidate) || candidate.Contains('('));

    [GeneratedRegex(@"(?:sqrt|abs|ln|log10|exp|min|max|round|floor|ceil|pi|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+*/^%(),\s.])+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 200)]
    private static partial Regex Candidates();

    [GeneratedRegex(@"[\d)]\s*[-+*/^%]\s*[-+(\d.a-z]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 200)]
    private static partial Regex OperatorBetweenOperands();
}
