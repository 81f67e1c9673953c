namespace Mesh.Agents.Workflows.Expressions;

public enum TokenKind
{
    Number,
    String,
    Identifier,
    Operator,
    End,
}

/// <summary>One lexical token and where it starts in the expression.</summary>
public readonly record struct Token(TokenKind Kind, string Text, int Position, double Number = 0);
