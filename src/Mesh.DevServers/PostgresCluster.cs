using System.Diagnostics;
using System.Globalization;

namespace Mesh.DevServers;

/// <summary>
/// Debian's PostgreSQL 15 on a data folder of Mesh's own: <c>initdb</c> with trust
/// authentication for user <c>mesh</c>, the server on 127.0.0.1 only with its unix socket in
/// the data folder. PostgreSQL refuses to run as root, so as root (these machines) the tools run
/// as the <c>postgres</c> user, which then owns the data folder.
/// </summary>
public static class PostgresCluster
{
    public const string DefaultBinDirectory = "/usr/lib/postgresql/15/bin";
    public const string User = "mesh";
    private const string ServerUser = "postgres";

    /// <summary>The binaries: <c>MESH_POSTGRES_BIN</c> or Debian's PostgreSQL 15.</summary>
    public static string BinDirectory => Environment.GetEnvironmentVariable("MESH_POSTGRES_BIN") ?? DefaultBinDirectory;

    public static bool IsInstalled => File.Exists(Tool("initdb"));

    public static string NotInstalledMessage =>
        $"PostgreSQL is not installed ({Tool("initdb")} is missing): run scripts/test, or `apt-get install -y postgresql`";

    public static string ConnectionString(int port, string database) =>
        $"Host=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};Username={User};Database={database}";

    /// <summary>
    /// Creates a cluster with <paramref name="database"/> in <paramref name="folder"/> unless one
    /// is there already; false when there was one. <paramref name="throwaway"/> skips the
    /// final fsync (data that is deleted anyway).
    /// </summary>
    public static async Task<bool> InitializeAsync(string folder, string database, bool throwaway, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (File.Exists(Path.Combine(folder, "PG_VERSION")))
        {
            return false;
        }

        if (!IsInstalled || OperatingSystem.IsWindows())
        {
            throw new InvalidOperationException(NotInstalledMessage);
        }

        // PostgreSQL refuses a data folder others can read.
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", [$"{ServerUser}:", folder], null, cancellationToken);
        }

        List<string> init = ["-D", folder, "-A", "trust", "-U", User, "-E", "UTF8", "--locale=C"];
        if (throwaway)
        {
            init.Add("--no-sync");
        }

        await RunAsServerUserAsync("initdb", init, null, cancellationToken);
        // Single-user mode creates the database before any server listens: no port, no race.
        await RunAsServerUserAsync("postgres", ["--single", "-D", folder, "postgres"], $"CREATE DATABASE \"{database}\"\n", cancellationToken);
        return true;
    }

    /// <summary>
    /// The server in the foreground (as the AppHost runs it): the program and its arguments. As
    /// root, <c>setpriv</c> becomes the postgres user and then is the server (no process in
    /// between), so the orchestrator's stop signal reaches PostgreSQL itself.
    /// </summary>
    public static (string Program, IReadOnlyList<string> Arguments) ServerCommand(string folder, int port) =>
        Environment.IsPrivilegedProcess
            ? ("setpriv", [$"--reuid={ServerUser}", $"--regid={ServerUser}", "--init-groups", "--", Tool("postgres"), .. ServerArguments(folder, port)])
            : (Tool("postgres"), ServerArguments(folder, port));

    /// <summary>Does a server accept connections on 127.0.0.1:<paramref name="port"/>? (<c>pg_isready</c>.)</summary>
    public static async Task<bool> IsReadyAsync(int port, CancellationToken cancellationToken = default)
    {
        try
        {
            await RunAsync(Tool("pg_isready"), ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "2"], null, cancellationToken);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The server's settings: this folder's data and socket, the port, loopback only.</summary>
    public static IReadOnlyList<string> ServerArguments(string folder, int port, params string[] settings)
    {
        List<string> arguments = ["-D", folder, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", folder, "-c", "listen_addresses=127.0.0.1"];
        foreach (var setting in settings)
        {
            arguments.AddRange(["-c", setting]);
        }

        return arguments;
    }

    internal static string Tool(string name) => Path.Combine(BinDirectory, name);

    internal static Task<string> RunAsServerUserAsync(string tool, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var (program, all) = AsServerUser(tool, arguments);
        return RunAsync(program, all, input, cancellationToken);
    }

    /// <summary>The longest a tool (initdb, a single-user statement, pg_isready) may run before it is stopped.</summary>
    internal static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Runs a program to its end; its output, or an exception that quotes it. A program still
    /// running after <see cref="ToolTimeout"/> is killed: a stuck initdb fails the start with what
    /// it printed instead of blocking it.
    /// </summary>
    internal static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(ToolTimeout);
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), limit.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in {ToolTimeout.TotalMinutes:0} min and was stopped: {(await output + await errors).Trim()}");
        }

        var text = (await output + await errors).Trim();
        return process.ExitCode == 0
            ? text
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {text}");
    }

    private static (string Program, IReadOnlyList<string> Arguments) AsServerUser(string tool, IReadOnlyList<string> arguments) =>
        Environment.IsPrivilegedProcess
            ? ("runuser", ["-u", ServerUser, "--", Tool(tool), .. arguments])
            : (Tool(tool), arguments);
}
