using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Expressions;

/// <summary>
/// Parses the workflow expression language: literals, names of the scope with <c>.member</c>
/// and <c>[index]</c>, calls of the built-in functions, arithmetic, comparisons, <c>in</c>,
/// <c>&amp;&amp;</c> <c>||</c> <c>!</c> (also <c>and</c> <c>or</c> <c>not</c>) and <c>c ? a : b</c>.
/// There is no assignment, no loop and no way to reach anything outside the scope.
/// </summary>
public sealed class Parser
{
    /// <summary>Longest expression accepted.</summary>
    public const int MaxLength = 2_000;

    /// <summary>Most nodes one expression may have.</summary>
    public const int MaxNodes = 400;

    private const int MaxDepth = 40;

    private readonly List<Token> _tokens;
    private int _position;
    private int _nodes;
    private int _depth;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Node Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new ExpressionException($"is {text.Length} characters; the limit is {MaxLength}");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ExpressionException("is empty");
        }

        var parser = new Parser(Lexer.Tokenize(text));
        var node = parser.Expression();
        var next = parser.Peek;
        return next.Kind == TokenKind.End ? node : throw new ExpressionException($"unexpected '{next.Text}' at {next.Position + 1}");
    }

    private Token Peek => _tokens[_position];

    private Node Expression()
    {
        if (++_depth > MaxDepth)
        {
            throw new ExpressionException($"nests deeper than {MaxDepth}");
        }

        var condition = Or();
        Node result = condition;
        if (Accept("?"))
        {
            var whenTrue = Expression();
            Expect(":");
            var whenFalse = Expression();
            result = Make(new ConditionalNode(condition, whenTrue, whenFalse));
        }

        _depth--;
        return result;
    }

    private Node Or()
    {
        var left = And();
        while (Accept("||") || AcceptWord("or"))
        {
            left = Make(new BinaryNode("||", left, And()));
        }

        return left;
    }

    private Node And()
    {
        var left = Not();
        while (Accept("&&") || AcceptWord("and"))
        {
            left = Make(new BinaryNode("&&", left, Not()));
        }

        return left;
    }

    private Node Not() => Accept("!") || AcceptWord("not") ? Make(new UnaryNode("!", Not())) : Comparison();

    private Node Comparison()
    {
        var left = Additive();
        foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">" })
        {
            if (Accept(op))
            {
                return Make(new BinaryNode(op, left, Additive()));
            }
        }

        return AcceptWord("in") ? Make(new BinaryNode("in", left, Additive())) : left;
    }

    private Node Additive()
    {
        var left = Multiplicative();
        while (true)
        {
            if (Accept("+"))
            {
                left = Make(new BinaryNode("+", left, Multiplicative()));
            }
            else if (Accept("-"))
            {
                left = Make(new BinaryNode("-", left, Multiplicative()));
            }
            else
            {
                return left;
            }
        }
    }

    private Node Multiplicative()
    {
        var left = Unary();
        while (true)
        {
            var op = Peek.Kind == TokenKind.Operator && Peek.Text is "*" or "/" or "%" ? Peek.Text : null;
            if (op is null)
            {
                return left;
            }

            _position++;
            left = Make(new BinaryNode(op, left, Unary()));
        }
    }

    private Node Unary() => Accept("-") ? Make(new UnaryNode("-", Unary())) : Postfix();

    private Node Postfix()
    {
        var node = Primary();
        while (true)
        {
            if (Accept("."))
            {
                var name = Peek;
                if (name.Kind != TokenKind.Identifier)
                {
                    throw new ExpressionException($"expected a name after '.' at {name.Position + 1}");
                }

                _position++;
                node = Make(new MemberNode(node, name.Text));
            }
            else if (Accept("["))
            {
                var index = Expression();
                Expect("]");
                node = Make(new IndexNode(node, index));
            }
            else
            {
                return node;
            }
        }
    }

    private Node Primary()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.Number:
                _position++;
                return Make(new LiteralNode(JsonValue.Create(token.Number)));
            case TokenKind.String:
                _position++;
                return Make(new LiteralNode(JsonValue.Create(token.Text)));
            case TokenKind.Identifier:
                _position++;
                return Identifier(token);
            case TokenKind.Operator when token.Text == "(":
                _position++;
                var inner = Expression();
                Expect(")");
                return inner;
            case TokenKind.Operator when token.Text == "[":
                _position++;
                return Make(new ListNode(Arguments("]")));
            case TokenKind.End:
                throw new ExpressionException("ends where a value was expected");
            default:
                throw new ExpressionException($"unexpected '{token.Text}' at {token.Position + 1}");
        }
    }

    private Node Identifier(Token token)
    {
        switch (token.Text)
        {
            case "true":
                return Make(new LiteralNode(JsonValue.Create(true)));
            case "false":
                return Make(new LiteralNode(JsonValue.Create(false)));
            case "null":
                return Make(new LiteralNode(null));
        }

        if (!Accept("("))
        {
            return Make(new VariableNode(token.Text));
        }

        if (!Functions.IsKnown(token.Text))
        {
            throw new ExpressionException($"unknown function '{token.Text}' at {token.Position + 1}; known: {string.Join(", ", Functions.Names)}");
        }

        var arguments = Arguments(")");
        var problem = Functions.ArityProblem(token.Text, arguments.Count);
        return problem is null ? Make(new CallNode(token.Text, arguments)) : throw new ExpressionException($"{problem} (at {token.Position + 1})");
    }

    private List<Node> Arguments(string close)
    {
        var items = new List<Node>();
        if (Accept(close))
        {
            return items;
        }

        do
        {
            items.Add(Expression());
        }
        while (Accept(","));
        Expect(close);
        return items;
    }

    private T Make<T>(T node)
        where T : Node =>
        ++_nodes > MaxNodes ? throw new ExpressionException($"has more than {MaxNodes} parts") : node;

    private bool Accept(string op)
    {
        if (Peek.Kind == TokenKind.Operator && Peek.Text == op)
        {
            _position++;
            return true;
        }

        return false;
    }

    private bool AcceptWord(string word)
    {
        if (Peek.Kind == TokenKind.Identifier && Peek.Text == word)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void Expect(string op)
    {
        if (!Accept(op))
        {
            var token = Peek;
            throw new ExpressionException(token.Kind == TokenKind.End
                ? $"ends where '{op}' was expected"
                : $"expected '{op}' at {token.Position + 1}, found '{token.Text}'");
        }
    }
}
