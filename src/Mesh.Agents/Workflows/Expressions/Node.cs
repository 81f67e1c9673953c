using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Expressions;

/// <summary>A parsed expression. Evaluation has no side effects and touches nothing but its scope.</summary>
public abstract record Node;

public sealed record LiteralNode(JsonNode? Value) : Node;

/// <summary>A name of the scope: <c>inputs</c>, <c>state</c>, <c>item</c>, ...</summary>
public sealed record VariableNode(string Name) : Node;

public sealed record MemberNode(Node Target, string Name) : Node;

public sealed record IndexNode(Node Target, Node Index) : Node;

public sealed record CallNode(string Function, IReadOnlyList<Node> Arguments) : Node;

public sealed record UnaryNode(string Operator, Node Operand) : Node;

public sealed record BinaryNode(string Operator, Node Left, Node Right) : Node;

public sealed record ConditionalNode(Node Condition, Node WhenTrue, Node WhenFalse) : Node;

public sealed record ListNode(IReadOnlyList<Node> Items) : Node;
