using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Storage;

/// <summary>
/// One consistent read of the latest committed state, on a pooled <see cref="ReadSession"/>. Every
/// read begins a transaction of its own, so a write committed before it is always seen; disposing
/// ends the transaction and gives the session back.
/// </summary>
internal sealed class ReadSnapshot : IDisposable
{
    private readonly ReadSessionPool _pool;
    private ReadSession? _session;

    public ReadSnapshot(ReadSessionPool pool, ReadSession session)
    {
        session.Begin();
        _pool = pool;
        _session = session;
    }

    /// <summary>
    /// The prepared command for <paramref name="sql"/> with these values. The session owns it: do not
    /// dispose it, and read its results to the end (or dispose the reader) before the next query.
    /// </summary>
    public SqliteCommand Command(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        ObjectDisposedException.ThrowIf(_session is null, this);
        return _session.Command(sql, parameters);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _session, null) is not { } session)
        {
            return;
        }

        try
        {
            session.End();
        }
        catch
        {
            session.Discard();
            throw;
        }

        _pool.Return(session);
    }
}
