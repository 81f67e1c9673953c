namespace Mesh.Cli.Configuration;

/// <summary>The command line was used wrongly: exit code 2, with a message that says what to fix.</summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException()
    {
    }

    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
