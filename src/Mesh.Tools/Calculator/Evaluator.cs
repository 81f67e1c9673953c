namespace Mesh.Tools.Calculator;

/// <summary>
/// Evaluates a parsed expression in double precision. Every intermediate result must be a
/// finite number; the cancellation token is checked every few nodes.
/// </summary>
public sealed class Evaluator
{
    private const int CheckEvery = 32;

    private readonly CancellationToken _cancellationToken;
    private int _visited;

    private Evaluator(CancellationToken cancellationToken) => _cancellationToken = cancellationToken;

    public static double Evaluate(Node root, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        cancellationToken.ThrowIfCancellationRequested();
        return new Evaluator(cancellationToken).Visit(root);
    }

    private double Visit(Node node)
    {
        if (++_visited % CheckEvery == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }

        return node switch
        {
            NumberNode number => number.Value,
            UnaryNode unary => unary.Operator == '-' ? -Visit(unary.Operand) : Visit(unary.Operand),
            BinaryNode binary => Finite(Binary(binary), binary, $"'{binary.Operator}'"),
            CallNode { Arguments.Count: 0 } constant => Functions.Constant(constant),
            CallNode call => Finite(Functions.Call(call, [.. call.Arguments.Select(Visit)]), call, $"{call.Name}(...)"),
            _ => throw new InvalidOperationException($"unknown node {node.GetType().Name}"),
        };
    }

    private double Binary(BinaryNode node)
    {
        var left = Visit(node.Left);
        var right = Visit(node.Right);
        return node.Operator switch
        {
            '+' => left + right,
            '-' => left - right,
            '*' => left * right,
            '/' => right == 0 ? throw DivisionByZero(node) : left / right,
            '%' => right == 0 ? throw DivisionByZero(node) : left % right,
            '^' => Math.Pow(left, right),
            _ => throw new InvalidOperationException($"unknown operator {node.Operator}"),
        };
    }

    private static CalculatorException DivisionByZero(BinaryNode node) =>
        new($"division by zero at position {node.Position}", node.Position);

    private static double Finite(double value, Node node, string what) => double.IsFinite(value)
        ? value
        : throw new CalculatorException(
            $"{what} at position {node.Position} gives {(double.IsNaN(value) ? "an undefined result (NaN)" : "an overflow (infinity)")}; the result must be a finite number",
            node.Position);
}
