using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Agents.V1;

namespace Mesh.Agents.Runs.Watching;

/// <summary>
/// Tells the watchers of a run in this process that it has new stored events, and passes on
/// live-only events (model tokens) as they happen. Watchers of runs another replica executes
/// poll the store instead.
/// </summary>
public sealed class RunEventHub
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<RunEvent?>, byte>> _watchers = new(StringComparer.Ordinal);

    /// <summary>Watches <paramref name="runId"/>: null items mean "stored events were added", others are live events.</summary>
    public Subscription Subscribe(string runId)
    {
        var channel = Channel.CreateBounded<RunEvent?>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _watchers.GetOrAdd(runId, _ => new()).TryAdd(channel, 0);
        return new Subscription(this, runId, channel);
    }

    public void Stored(string runId)
    {
        if (_watchers.TryGetValue(runId, out var channels))
        {
            foreach (var channel in channels.Keys)
            {
                channel.Writer.TryWrite(null);
            }
        }
    }

    public void Live(string runId, RunEvent runEvent)
    {
        if (_watchers.TryGetValue(runId, out var channels))
        {
            foreach (var channel in channels.Keys)
            {
                channel.Writer.TryWrite(runEvent);
            }
        }
    }

    private void Unsubscribe(string runId, Channel<RunEvent?> channel)
    {
        if (_watchers.TryGetValue(runId, out var channels))
        {
            channels.TryRemove(channel, out _);
            if (channels.IsEmpty)
            {
                _watchers.TryRemove(KeyValuePair.Create(runId, channels));
            }
        }
    }

    public sealed class Subscription(RunEventHub hub, string runId, Channel<RunEvent?> channel) : IDisposable
    {
        public ChannelReader<RunEvent?> Reader => channel.Reader;

        public void Dispose() => hub.Unsubscribe(runId, channel);
    }
}
