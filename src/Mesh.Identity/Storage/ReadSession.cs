using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Storage;

/// <summary>
/// An open connection and the statements prepared on it, kept in a <see cref="ReadSessionPool"/>
/// between reads: a query is compiled once per connection instead of once per use, which is
/// most of what the small lookups of a permission check cost.
/// </summary>
internal sealed class ReadSession : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    // Prepared BEGIN and COMMIT rather than SqliteTransaction, which compiles its statements anew each time.
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;

    public ReadSession(SqliteConnection connection)
    {
        _connection = connection;
        _begin = Prepare(IdentityDatabase.Command(connection, "BEGIN")); // deferred: under WAL the first query fixes the snapshot the later ones read
        _commit = Prepare(IdentityDatabase.Command(connection, "COMMIT"));
    }

    public void Begin() => _begin.ExecuteNonQuery();

    public void End() => _commit.ExecuteNonQuery();

    /// <summary>
    /// The command for <paramref name="sql"/>, prepared on first use, with <paramref name="parameters"/>
    /// bound. <paramref name="sql"/> is one of a fixed set of statements (each stays prepared for the
    /// session's life), always given the same parameter names.
    /// </summary>
    public SqliteCommand Command(string sql, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (_commands.TryGetValue(sql, out var command))
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters[name].Value = value ?? DBNull.Value;
            }

            return command;
        }

        command = Prepare(IdentityDatabase.Command(_connection, sql, null, parameters.ToArray()));
        _commands.Add(sql, command);
        return command;
    }

    /// <summary>Closes a session whose transaction may still be open, so SQLite's pool does not hand its connection out again either.</summary>
    public void Discard()
    {
        SqliteConnection.ClearPool(_connection);
        Dispose();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _begin.Dispose();
        _commit.Dispose();
        _connection.Dispose();
    }

    private static SqliteCommand Prepare(SqliteCommand command)
    {
        command.Prepare();
        return command;
    }
}
