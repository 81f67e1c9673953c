namespace Mesh.Cli.Tests;

/// <summary>Runs the command line in this process with captured output.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var cli = new CliEnvironment(
            name => environment.TryGetValue(name, out var value) ? value : null,
            TimeProvider.System,
            output,
            error,
            OutIsTerminal: false,
            ErrorIsTerminal: false);
        var exitCode = await MeshCli.RunAsync([.. args, "--timeout", "10"], cli).WaitAsync(Timeout);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
