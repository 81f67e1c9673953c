namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// Turns handed out in the order they are taken: a turn begins once the turn taken before it has
/// ended, so no two turns ever overlap and none overtakes an earlier one.
/// </summary>
internal sealed class CallOrderTurns
{
    private readonly Lock _lock = new();
    private Task _last = Task.CompletedTask;

    /// <summary>Takes the next turn; dispose it to end it, begun or not.</summary>
    public Turn Take()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_lock)
        {
            (previous, _last) = (_last, done.Task);
        }

        return new Turn(previous, done);
    }

    public sealed class Turn(Task previous, TaskCompletionSource done) : IDisposable
    {
        private bool _begun;

        /// <summary>Waits until every turn taken before this one has ended.</summary>
        public async Task BeginAsync(CancellationToken cancellationToken)
        {
            await previous.WaitAsync(cancellationToken);
            _begun = true;
        }

        public void Dispose()
        {
            if (_begun)
            {
                done.TrySetResult();
            }
            else
            {
                // Ended (failed or cancelled) before it began: the next turn still waits for the one before.
                _ = previous.ContinueWith(_ => done.TrySetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }
}
