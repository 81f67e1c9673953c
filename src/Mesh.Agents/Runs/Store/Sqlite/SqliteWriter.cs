using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Mesh.Agents.Runs.Store.Sqlite;

/// <summary>
/// The one writer of the embedded store: writes from every run queue up and are applied in
/// group commits, as many as are waiting in one transaction (each in a savepoint of its own,
/// so one that fails leaves the others), then every caller learns its outcome. A commit is
/// durable when its task completes.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const int MaxGroup = 512;
    private readonly Channel<IWrite> _queue = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly Task _loop;

    public SqliteWriter(SqliteConnection connection)
    {
        _connection = connection;
        _loop = Task.Run(LoopAsync);
    }

    private interface IWrite
    {
        void Apply(SqliteConnection connection, SqliteTransaction transaction);

        void Fail(Exception error);

        void Complete();
    }

    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        var write = new Write<T>(work);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(write), this);

        return write.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        await _connection.DisposeAsync();
    }

    private async Task LoopAsync()
    {
        var group = new List<IWrite>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var write))
            {
                group.Add(write);
            }

            Apply(group);
            group.Clear();
        }
    }

    private void Apply(List<IWrite> group)
    {
        var failed = new Dictionary<IWrite, Exception>();
        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            foreach (var write in group)
            {
                transaction.Save("w");
                try
                {
                    write.Apply(_connection, transaction);
                    transaction.Release("w");
                }
                catch (Exception ex)
                {
                    transaction.Rollback("w");
                    transaction.Release("w");
                    failed[write] = ex;
                }
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            foreach (var write in group)
            {
                write.Fail(ex);
            }

            return;
        }

        foreach (var write in group)
        {
            if (failed.TryGetValue(write, out var error))
            {
                write.Fail(error);
            }
            else
            {
                write.Complete();
            }
        }
    }

    private sealed class Write<T>(Func<SqliteConnection, SqliteTransaction, T> work) : IWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public void Apply(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public void Fail(Exception error) => _done.TrySetException(error);

        public void Complete() => _done.TrySetResult(_result!);
    }
}
