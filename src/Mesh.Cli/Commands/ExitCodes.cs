namespace Mesh.Cli.Commands;

/// <summary>The process exit codes of <c>mesh</c>.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;
}
