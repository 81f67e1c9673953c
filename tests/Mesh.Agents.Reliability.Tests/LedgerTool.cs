using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Tools.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Agents.Reliability.Tests;

/// <summary>
/// A tool with a real write side effect and its own ledger, served over gRPC (the tools
/// contract) on a loopback port of the test process: <c>ledger_append</c> appends an entry to a
/// SQLite ledger and records the idempotency key with its result in the same transaction, so a
/// repeated key answers the stored result (<c>replayed</c>) and never appends twice. The ledger
/// is what proves each side effect happened exactly once.
/// </summary>
public sealed class LedgerTool : IAsyncDisposable
{
    public const string Name = "ledger_append";

    private readonly WebApplication _app;
    private readonly string _connectionString;

    private LedgerTool(WebApplication app, string connectionString, int port)
    {
        _app = app;
        _connectionString = connectionString;
        Url = $"http://127.0.0.1:{port}";
    }

    public string Url { get; }

    /// <summary>Calls answered from the key ledger instead of appending.</summary>
    public int Replays => Ledger.Replays;

    private LedgerStore Ledger => _app.Services.GetRequiredService<LedgerStore>();

    public static async Task<LedgerTool> StartAsync(string directory)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "ledger.db"), Pooling = true }.ToString();
        var port = DevServers.FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new LedgerStore(connectionString));
        var app = builder.Build();
        app.MapGrpcService<LedgerToolsService>();
        await app.StartAsync();
        return new LedgerTool(app, connectionString, port);
    }

    /// <summary>Every entry appended: (run, entry) pairs in order.</summary>
    public List<(string Run, string Entry)> Entries()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT run, entry FROM ledger ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    private sealed class LedgerStore
    {
        private readonly string _connectionString;
        private readonly Lock _gate = new();
        private int _replays;

        public LedgerStore(string connectionString)
        {
            _connectionString = connectionString;
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS ledger(id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, entry TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS keys(key TEXT PRIMARY KEY, arguments TEXT NOT NULL, result TEXT NOT NULL);
                """;
            command.ExecuteNonQuery();
        }

        public int Replays => _replays;

        /// <summary>Appends unless the key was seen: the effect and the key in one transaction.</summary>
        public (string Result, bool Replayed) Append(string key, string arguments, string run, string entry)
        {
            lock (_gate)
            {
                using var connection = Open();
                using var transaction = connection.BeginTransaction();
                using (var find = connection.CreateCommand())
                {
                    find.Transaction = transaction;
                    find.CommandText = "SELECT arguments, result FROM keys WHERE key = $k";
                    find.Parameters.AddWithValue("$k", key);
                    using var reader = find.ExecuteReader();
                    if (reader.Read())
                    {
                        if (reader.GetString(0) != arguments)
                        {
                            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"idempotency key {key} was used with other arguments"));
                        }

                        Interlocked.Increment(ref _replays);
                        return (reader.GetString(1), true);
                    }
                }

                long id;
                using (var append = connection.CreateCommand())
                {
                    append.Transaction = transaction;
                    append.CommandText = "INSERT INTO ledger(run, entry) VALUES ($r, $e) RETURNING id";
                    append.Parameters.AddWithValue("$r", run);
                    append.Parameters.AddWithValue("$e", entry);
                    id = (long)append.ExecuteScalar()!;
                }

                var result = new JsonObject { ["id"] = id, ["entry"] = entry }.ToJsonString();
                if (key.Length > 0)
                {
                    using var record = connection.CreateCommand();
                    record.Transaction = transaction;
                    record.CommandText = "INSERT INTO keys(key, arguments, result) VALUES ($k, $a, $r)";
                    record.Parameters.AddWithValue("$k", key);
                    record.Parameters.AddWithValue("$a", arguments);
                    record.Parameters.AddWithValue("$r", result);
                    record.ExecuteNonQuery();
                }

                transaction.Commit();
                return (result, false);
            }
        }

        private SqliteConnection Open()
        {
            var connection = new SqliteConnection(_connectionString);
            connection.Open();
            return connection;
        }
    }

    private sealed class LedgerToolsService(LedgerStore ledger) : Tools.V1.Tools.ToolsBase
    {
        public override Task<ListToolsResponse> ListTools(ListToolsRequest request, ServerCallContext context) => Task.FromResult(new ListToolsResponse
        {
            Tools =
            {
                new ToolInfo
                {
                    Name = Name,
                    Version = "1",
                    Description = "Appends an entry to the ledger (a write).",
                    SideEffect = SideEffect.Write,
                    TimeoutMs = 30_000,
                    ArgumentsSchema = """{"type":"object","properties":{"run":{"type":"string"},"entry":{"type":"string"},"holdMs":{"type":"number"},"delayMs":{"type":"number"}},"required":["run","entry"],"additionalProperties":false}""",
                },
            },
        });

        public override async Task<InvokeToolResponse> InvokeTool(InvokeToolRequest request, ServerCallContext context)
        {
            if (request.Tool != Name)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"tool '{request.Tool}' not found"));
            }

            using var arguments = JsonDocument.Parse(request.ArgumentsJson);
            var root = arguments.RootElement;
            if (root.TryGetProperty("holdMs", out var hold))
            {
                // A slow effect: a caller that goes away before it is done leaves nothing behind.
                await Task.Delay(TimeSpan.FromMilliseconds(hold.GetDouble()), context.CancellationToken);
            }

            var (result, replayed) = ledger.Append(request.IdempotencyKey, request.ArgumentsJson, root.GetProperty("run").GetString()!, root.GetProperty("entry").GetString()!);
            if (!replayed && root.TryGetProperty("delayMs", out var delay))
            {
                // The effect is done; the answer is slow: a caller that dies now has written without knowing it.
                await Task.Delay(TimeSpan.FromMilliseconds(delay.GetDouble()), CancellationToken.None);
            }

            return new InvokeToolResponse { Tool = Name, Version = "1", ResultJson = result, Replayed = replayed };
        }
    }
}
