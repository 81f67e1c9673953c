namespace Mesh.Tools.Registry;

/// <summary>
/// Thrown by a tool when arguments that passed schema validation cannot be acted on (for
/// example a division by zero). Callers get InvalidArgument for the argument at <see cref="Pointer"/>.
/// </summary>
public sealed class ToolArgumentException : Exception
{
    public ToolArgumentException()
    {
    }

    public ToolArgumentException(string message)
        : base(message)
    {
    }

    public ToolArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ToolArgumentException(string pointer, string message, Exception? innerException = null)
        : base(message, innerException) => Pointer = pointer;

    /// <summary>JSON Pointer of the offending argument (empty: the arguments object).</summary>
    public string Pointer { get; } = "";
}
