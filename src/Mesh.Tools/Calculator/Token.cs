namespace Mesh.Tools.Calculator;

public enum TokenKind
{
    Number,
    Name,
    Operator,
    LeftParen,
    RightParen,
    Comma,
    End,
}

/// <summary>One lexical token; <see cref="Position"/> is 1-based.</summary>
public readonly record struct Token(TokenKind Kind, int Position, string Text, double Value = 0)
{
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of expression",
        TokenKind.Number => $"number {Text}",
        TokenKind.Name => $"name '{Text}'",
        _ => $"'{Text}'",
    };
}
