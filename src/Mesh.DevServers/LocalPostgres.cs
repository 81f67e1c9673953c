using System.Globalization;

namespace Mesh.DevServers;

/// <summary>
/// A PostgreSQL server of its own: Debian's PostgreSQL 15 on a free loopback port with a
/// throwaway data folder (a RAM disk when there is room), trust authentication for user
/// <c>mesh</c> and a database <c>mesh</c>; stopped and removed on dispose.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    public const string DefaultDatabase = "mesh";
    private readonly string _directory;
    private bool _running;
    private bool _durable;

    private LocalPostgres(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; private set; }

    /// <summary>The server's folder (data, socket and <c>data/server.log</c>), deleted on dispose.</summary>
    public string DirectoryPath => _directory;

    /// <summary>An Npgsql connection string for the <c>mesh</c> database.</summary>
    public string ConnectionString => ConnectionStringFor(DefaultDatabase);

    public string ConnectionStringFor(string database) => PostgresCluster.ConnectionString(Port, database);

    private string DataPath => Path.Combine(_directory, "data");

    /// <summary>Starts a server; fails with a message naming the apt package when PostgreSQL is not installed.</summary>
    public static Task<LocalPostgres> StartAsync(CancellationToken cancellationToken = default) => StartAsync(durable: false, cancellationToken);

    /// <summary>
    /// Starts a server. <paramref name="durable"/>: data on disk (the temp folder) with PostgreSQL's
    /// default fsync and synchronous commit, as benchmarks of durability need; otherwise a RAM disk
    /// when there is room and fsync off (throwaway test data).
    /// </summary>
    public static async Task<LocalPostgres> StartAsync(bool durable, CancellationToken cancellationToken = default)
    {
        if (!PostgresCluster.IsInstalled)
        {
            throw new InvalidOperationException(PostgresCluster.NotInstalledMessage);
        }

        var directory = Path.Combine(durable ? Path.GetTempPath() : ScratchFolder.Root(), "mesh-postgres", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var server = new LocalPostgres(directory, FreePort.Next()) { _durable = durable };
        try
        {
            await PostgresCluster.InitializeAsync(server.DataPath, DefaultDatabase, throwaway: true, cancellationToken);
            await server.StartServerAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates another database (for a test of its own) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await PostgresCluster.RunAsync(PostgresCluster.Tool("createdb"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", PostgresCluster.User, name], null, cancellationToken);
        return ConnectionStringFor(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            _running = false;
            try
            {
                // Immediate: the data is thrown away, nothing needs a checkpoint.
                await PostgresCluster.RunAsServerUserAsync("pg_ctl", ["-D", DataPath, "-m", "immediate", "-w", "stop"], null, CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's cleanup.
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        // The log must be writable by the server user: it goes in the data folder it owns.
        var log = Path.Combine(DataPath, "server.log");
        for (var attempt = 1; ; attempt++)
        {
            var options = string.Join(' ', _durable
                ? PostgresCluster.ServerArguments(DataPath, Port, "max_connections=300")
                : PostgresCluster.ServerArguments(DataPath, Port, "fsync=off", "max_connections=300"));
            try
            {
                await PostgresCluster.RunAsServerUserAsync("pg_ctl", ["-D", DataPath, "-o", options, "-l", log, "-w", "-t", "30", "start"], null, cancellationToken);
                _running = true;
                return;
            }
            catch (InvalidOperationException) when (attempt < 5 && File.Exists(log) && File.ReadAllText(log).Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the port between picking and binding: pick again.
                File.Delete(log);
                Port = FreePort.Next();
            }
        }
    }
}
