using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.DevServers;

/// <summary>
/// Loopback ports nobody listens on right now, for servers started a moment later. They are
/// chosen below the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>,
/// 32768-60999 by default), where no outgoing connection or port-0 listener can take one between
/// its choice and the server binding it, and never handed out twice by one process.
/// </summary>
public static class FreePort
{
    private const int Lowest = 20_000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    private static readonly int EphemeralStart = ReadEphemeralStart();

    public static int Next()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 200 && EphemeralStart > Lowest + 1_000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, EphemeralStart);
                if (!Given.Contains(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }

            // No ephemeral range to stay below (or no free port there): any port the kernel gives.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var given = ((IPEndPoint)listener.LocalEndpoint).Port;
            Given.Add(given);
            return given;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ReadEphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return range.Length > 0 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
