using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Grpc.Core;

namespace Mesh.Inference.Authorization;

/// <summary>
/// How many calls of each model are in flight in this service, from the moment their reservation
/// is priced until the call ends: the batch a call arriving now is expected to join. Calls of a
/// burst are counted while they are still being authorized, before any of them is queued.
/// </summary>
public sealed class ModelCallsInFlight
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts the call of <paramref name="context"/> in until it ends; returns the calls in flight, this one included.</summary>
    public int Enter(string model, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var count = _counts.GetOrAdd(model, _ => new StrongBox<int>());
        var inFlight = Interlocked.Increment(ref count.Value);
        context.GetHttpContext().Response.RegisterForDispose(new Departure(count));
        return inFlight;
    }

    /// <summary>Calls of <paramref name="model"/> in flight now.</summary>
    public int Of(string model) => _counts.TryGetValue(model, out var count) ? Volatile.Read(ref count.Value) : 0;

    private sealed class Departure(StrongBox<int> count) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                Interlocked.Decrement(ref count.Value);
            }
        }
    }
}
