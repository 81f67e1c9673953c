using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Storage;

/// <summary>
/// The idle <see cref="ReadSession"/>s of one database, at most <c>capacity</c>: a read takes one
/// (or opens a new one when none is idle) and gives it back when it ends. A session given back to a
/// full pool, or to a disposed one, is closed.
/// </summary>
internal sealed class ReadSessionPool(Func<SqliteConnection> open, int capacity) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stack<ReadSession> _idle = new();
    private bool _disposed;

    public ReadSnapshot Read()
    {
        ReadSession? session;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _idle.TryPop(out session);
        }

        session ??= new ReadSession(open());
        try
        {
            return new ReadSnapshot(this, session);
        }
        catch
        {
            session.Discard();
            throw;
        }
    }

    public void Return(ReadSession session)
    {
        lock (_lock)
        {
            if (!_disposed && _idle.Count < capacity)
            {
                _idle.Push(session);
                return;
            }
        }

        session.Dispose();
    }

    public void Dispose()
    {
        ReadSession[] idle;
        lock (_lock)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (var session in idle)
        {
            session.Dispose();
        }
    }
}
