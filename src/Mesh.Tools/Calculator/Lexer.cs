using System.Globalization;

namespace Mesh.Tools.Calculator;

/// <summary>Splits an arithmetic expression into tokens, refusing more than the token limit.</summary>
public static class Lexer
{
    private const string Operators = "+-*/%^";

    public static IReadOnlyList<Token> Tokenize(string expression, CalculatorLimits limits)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(limits);
        var tokens = new List<Token>();
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (tokens.Count == limits.MaxTokens)
            {
                throw new CalculatorException(
                    $"more than {limits.MaxTokens} tokens at position {i + 1}; split the calculation into smaller expressions", i + 1);
            }

            var start = i;
            if (char.IsAsciiDigit(c) || c == '.')
            {
                i = ScanNumber(expression, i);
                tokens.Add(NumberToken(expression, start, i));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Name, start + 1, expression[start..i]));
            }
            else
            {
                tokens.Add(new Token(SymbolKind(c, start), start + 1, c.ToString()));
                i++;
            }
        }

        tokens.Add(new Token(TokenKind.End, expression.Length + 1, ""));
        return tokens;
    }

    private static TokenKind SymbolKind(char c, int index) => c switch
    {
        '(' => TokenKind.LeftParen,
        ')' => TokenKind.RightParen,
        ',' => TokenKind.Comma,
        _ when Operators.Contains(c, StringComparison.Ordinal) => TokenKind.Operator,
        _ => throw new CalculatorException(
            $"unexpected character '{c}' at position {index + 1}; expected a number, a name, an operator ({Operators}), a parenthesis or a comma", index + 1),
    };

    private static int ScanNumber(string text, int i)
    {
        i = SkipDigits(text, i);
        if (i < text.Length && text[i] == '.')
        {
            i = SkipDigits(text, i + 1);
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            var exponent = i + 1;
            if (exponent < text.Length && (text[exponent] == '+' || text[exponent] == '-'))
            {
                exponent++;
            }

            // "2e" followed by no digits is the number 2 then the name e, which the parser rejects.
            if (exponent < text.Length && char.IsAsciiDigit(text[exponent]))
            {
                i = SkipDigits(text, exponent);
            }
        }

        return i;
    }

    private static int SkipDigits(string text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    private static Token NumberToken(string expression, int start, int end)
    {
        var text = expression[start..end];
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value))
        {
            throw new CalculatorException($"malformed number '{text}' at position {start + 1}; expected digits such as 12, 0.5 or 1.5e3", start + 1);
        }

        if (!double.IsFinite(value))
        {
            throw new CalculatorException($"number '{text}' at position {start + 1} is too large to represent (overflow)", start + 1);
        }

        return new Token(TokenKind.Number, start + 1, text, value);
    }
}
