namespace Mesh.Agents.Workflows.Expressions;

/// <summary>An expression that does not parse, or fails while it is evaluated; the message says where and why.</summary>
public sealed class ExpressionException(string message) : Exception(message);
