using System.Threading.Channels;
using Mesh.ServiceDefaults.Errors;
using Mesh.Usage.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Metering;

/// <summary>
/// The bounded in-process buffer between request paths and the shipper. When it is full a
/// publisher waits a short while (back-pressure) and then gets ResourceExhausted: usage is
/// billing data, so it is never dropped silently.
/// </summary>
public sealed class UsageBuffer : IUsagePublisher
{
    private readonly Channel<UsageEvent> _channel;
    private readonly UsageOptions _options;
    private readonly TimeProvider _time;

    public UsageBuffer(IOptions<UsageOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _channel = Channel.CreateBounded<UsageEvent>(new BoundedChannelOptions(_options.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public ChannelReader<UsageEvent> Reader => _channel.Reader;

    /// <summary>Events waiting to be shipped.</summary>
    public int Count => _channel.Reader.Count;

    public ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        return _channel.Writer.TryWrite(usageEvent) ? ValueTask.CompletedTask : WaitForSpaceAsync(usageEvent, cancellationToken);
    }

    /// <summary>Stops accepting events; the shipper drains what is left.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    private async ValueTask WaitForSpaceAsync(UsageEvent usageEvent, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.FullBufferWait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _channel.Writer.WriteAsync(usageEvent, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw MeshErrors.ResourceExhausted(
                $"the usage buffer is full ({_options.BufferCapacity} events waiting for telemetry); retry later");
        }
        catch (ChannelClosedException)
        {
            throw MeshErrors.Unavailable("the service is shutting down; retry on another instance");
        }
    }
}
