using System.Net;
using System.Net.Sockets;

namespace Mesh.KafkaBroker.Forwarding;

/// <summary>
/// Listens on a fixed loopback port and pipes every connection to a target port: the mock
/// brokers listen on random ports, clients in other processes need a known address.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public TcpForwarder(int listenPort, int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    /// <summary>The port this forwarder listens on (the one asked for, or a free one for 0).</summary>
    public int Port { get; }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(cancellationToken);
            }
            catch (SocketException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            _ = PipeAsync(client, cancellationToken);
        }
    }

    private async Task PipeAsync(Socket client, CancellationToken cancellationToken)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var downstream = client;
        downstream.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), cancellationToken);
            using var clientStream = new NetworkStream(downstream, ownsSocket: false);
            using var brokerStream = new NetworkStream(upstream, ownsSocket: false);
            // When either side closes, close both: a broker going down drops its clients.
            await Task.WhenAny(clientStream.CopyToAsync(brokerStream, cancellationToken), brokerStream.CopyToAsync(clientStream, cancellationToken));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // A closed connection ends the pipe.
        }
    }
}
