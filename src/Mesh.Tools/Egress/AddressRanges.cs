using System.Net;
using System.Net.Sockets;

namespace Mesh.Tools.Egress;

/// <summary>Addresses that are not on the public internet: loopback, private, link-local, unique-local, CGNAT, unspecified, multicast, reserved.</summary>
public static class AddressRanges
{
    private static readonly (IPAddress Network, int Prefix)[] NotPublic =
    [
        (IPAddress.Parse("0.0.0.0"), 8),
        (IPAddress.Parse("10.0.0.0"), 8),
        (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8),
        (IPAddress.Parse("169.254.0.0"), 16),
        (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24),
        (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("198.18.0.0"), 15),
        (IPAddress.Parse("224.0.0.0"), 4),
        (IPAddress.Parse("240.0.0.0"), 4),
        (IPAddress.Parse("::"), 128),
        (IPAddress.Parse("::1"), 128),
        (IPAddress.Parse("fc00::"), 7),
        (IPAddress.Parse("fe80::"), 10),
        (IPAddress.Parse("ff00::"), 8),
    ];

    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return !NotPublic.Any(range => range.Network.AddressFamily == address.AddressFamily && InRange(address, range.Network, range.Prefix));
    }

    private static bool InRange(IPAddress address, IPAddress network, int prefix)
    {
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var full = prefix / 8;
        if (!a.AsSpan(0, full).SequenceEqual(n.AsSpan(0, full)))
        {
            return false;
        }

        var rest = prefix % 8;
        return rest == 0 || (a[full] >> (8 - rest)) == (n[full] >> (8 - rest));
    }

    /// <summary>Sockets of the address's family (for connecting to one address).</summary>
    public static Socket SocketFor(IPAddress address) => new(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
}
