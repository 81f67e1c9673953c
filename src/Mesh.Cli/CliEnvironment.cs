namespace Mesh.Cli;

/// <summary>What the command line runs against: environment variables, clock and standard streams.</summary>
public sealed record CliEnvironment(
    Func<string, string?> Variables,
    TimeProvider Time,
    TextWriter Out,
    TextWriter Error,
    bool OutIsTerminal,
    bool ErrorIsTerminal)
{
    public static CliEnvironment Process { get; } = new(
        Environment.GetEnvironmentVariable,
        TimeProvider.System,
        Console.Out,
        Console.Error,
        !Console.IsOutputRedirected,
        !Console.IsErrorRedirected);
}
