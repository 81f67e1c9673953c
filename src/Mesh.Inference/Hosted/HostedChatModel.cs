using Mesh.Inference.Models;
using Mesh.Inference.Scheduling;
using OpenAI.Chat;

namespace Mesh.Inference.Hosted;

/// <summary>
/// A hosted model: its upstream's chat client and the fair queue its calls wait in. At most
/// <c>maxBatch</c> of its calls are at the upstream at once; the others wait their tenant's turn,
/// as calls of a local model do.
/// </summary>
public sealed class HostedChatModel(ModelDescriptor descriptor, ChatClient client, SchedulingOptions scheduling) : IServedModel
{
    private readonly SemaphoreSlim _slots = new(descriptor.MaxBatch, descriptor.MaxBatch);

    public ModelDescriptor Descriptor { get; } = descriptor;

    public ChatClient Client { get; } = client;

    public UpstreamModel Upstream => Descriptor.Upstream!;

    public string Device => "upstream";

    public Devices.MemoryUse Memory => Devices.MemoryUse.None;

    public WorkQueue<HostedCallTicket> Queue { get; } = new(descriptor.Name, descriptor.MaxQueue, scheduling);

    public int Queued => Queue.Count;

    public int Running => Descriptor.MaxBatch - _slots.CurrentCount;

    /// <summary>Waits for this call's turn (fair between tenants, by priority within one) and a free upstream slot; dispose the slot when done.</summary>
    public async Task<IDisposable> EnterAsync(HostedCallTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        Queue.Enqueue([ticket]);
        await using var registration = cancellationToken.Register(ticket.Abandon);
        // Each free slot goes to the call the fair queue says is next, which may be another caller's.
        while (!ticket.Turn.IsCompleted)
        {
            await _slots.WaitAsync(cancellationToken);
            var next = Queue.Take(1);
            if (next.Count == 0)
            {
                // This call was taken by another caller, who grants it a slot.
                _slots.Release();
                break;
            }

            next[0].Grant(new Slot(_slots));
        }

        return await ticket.Turn.WaitAsync(cancellationToken);
    }

    public void Stop() => Queue.Wake();

    public void Dispose()
    {
        Queue.Dispose();
        _slots.Dispose();
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
