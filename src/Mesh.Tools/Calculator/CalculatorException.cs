namespace Mesh.Tools.Calculator;

/// <summary>An expression that cannot be evaluated; the message names the 1-based position.</summary>
public sealed class CalculatorException : Exception
{
    public CalculatorException()
    {
    }

    public CalculatorException(string message)
        : base(message)
    {
    }

    public CalculatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CalculatorException(string message, int position)
        : base(message) => Position = position;

    /// <summary>The 1-based character position the problem was found at.</summary>
    public int Position { get; }
}
