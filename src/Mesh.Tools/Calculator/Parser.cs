namespace Mesh.Tools.Calculator;

/// <summary>
/// Recursive-descent parser of arithmetic expressions. Grammar, loosest binding first:
/// <code>
/// expression := term (('+' | '-') term)*
/// term       := unary (('*' | '/' | '%') unary)*
/// unary      := ('+' | '-') unary | power
/// power      := primary ('^' unary)?          right-associative, binds tighter than a sign
/// primary    := number | name | name '(' expression (',' expression)* ')' | '(' expression ')'
/// </code>
/// Every recursion passes through <c>unary</c>, which enforces the nesting limit.
/// </summary>
public sealed class Parser
{
    private readonly IReadOnlyList<Token> _tokens;
    private readonly CalculatorLimits _limits;
    private int _index;
    private int _depth;

    private Parser(IReadOnlyList<Token> tokens, CalculatorLimits limits)
    {
        _tokens = tokens;
        _limits = limits;
    }

    private Token Current => _tokens[_index];

    public static Node Parse(IReadOnlyList<Token> tokens, CalculatorLimits limits)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(limits);
        var parser = new Parser(tokens, limits);
        var root = parser.ParseExpression();
        if (parser.Current.Kind != TokenKind.End)
        {
            throw Unexpected(parser.Current, "an operator or the end of the expression");
        }

        return root;
    }

    private Node ParseExpression()
    {
        var left = ParseTerm();
        while (IsOperator(Current, '+') || IsOperator(Current, '-'))
        {
            var op = Advance();
            left = new BinaryNode(op.Position, op.Text[0], left, ParseTerm());
        }

        return left;
    }

    private Node ParseTerm()
    {
        var left = ParseUnary();
        while (IsOperator(Current, '*') || IsOperator(Current, '/') || IsOperator(Current, '%'))
        {
            var op = Advance();
            left = new BinaryNode(op.Position, op.Text[0], left, ParseUnary());
        }

        return left;
    }

    private Node ParseUnary()
    {
        if (++_depth > _limits.MaxDepth)
        {
            throw new CalculatorException(
                $"nesting deeper than {_limits.MaxDepth} levels at position {Current.Position}; simplify the expression", Current.Position);
        }

        try
        {
            if (IsOperator(Current, '+') || IsOperator(Current, '-'))
            {
                var op = Advance();
                return new UnaryNode(op.Position, op.Text[0], ParseUnary());
            }

            var operand = ParsePrimary();
            if (!IsOperator(Current, '^'))
            {
                return operand;
            }

            var power = Advance();
            return new BinaryNode(power.Position, '^', operand, ParseUnary());
        }
        finally
        {
            _depth--;
        }
    }

    private Node ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new NumberNode(token.Position, token.Value);
            case TokenKind.LeftParen:
                Advance();
                var inner = ParseExpression();
                Expect(TokenKind.RightParen, $"')' to close the '(' at position {token.Position}");
                return inner;
            case TokenKind.Name:
                Advance();
                return Current.Kind == TokenKind.LeftParen ? ParseCall(token) : new CallNode(token.Position, token.Text, []);
            default:
                throw Unexpected(token, "a number, a name or '('");
        }
    }

    private CallNode ParseCall(Token name)
    {
        var open = Advance();
        var arguments = new List<Node> { ParseExpression() };
        while (Current.Kind == TokenKind.Comma)
        {
            Advance();
            arguments.Add(ParseExpression());
        }

        Expect(TokenKind.RightParen, $"',' or ')' to close the '(' of {name.Text} at position {open.Position}");
        return new CallNode(name.Position, name.Text, arguments);
    }

    private Token Advance() => _tokens[_index++];

    private void Expect(TokenKind kind, string expected)
    {
        if (Current.Kind != kind)
        {
            throw Unexpected(Current, expected);
        }

        Advance();
    }

    private static bool IsOperator(Token token, char op) => token.Kind == TokenKind.Operator && token.Text[0] == op;

    private static CalculatorException Unexpected(Token token, string expected) =>
        new($"expected {expected} at position {token.Position} but found {token.Describe()}", token.Position);
}
