namespace Mesh.Tools.Calculator;

/// <summary>A node of a parsed expression; <see cref="Position"/> is 1-based.</summary>
public abstract record Node(int Position);

public sealed record NumberNode(int Position, double Value) : Node(Position);

public sealed record UnaryNode(int Position, char Operator, Node Operand) : Node(Position);

public sealed record BinaryNode(int Position, char Operator, Node Left, Node Right) : Node(Position);

public sealed record CallNode(int Position, string Name, IReadOnlyList<Node> Arguments) : Node(Position);
