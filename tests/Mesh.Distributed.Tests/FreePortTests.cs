using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mesh.DevServers;

namespace Mesh.Distributed.Tests;

/// <summary>The ports local servers are started on: free, never twice, and out of the kernel's ephemeral range.</summary>
public sealed class FreePortTests
{
    [Fact]
    public void Next_ManyPorts_DistinctBindableAndBelowTheEphemeralRange()
    {
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 64).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1024, ephemeralStart - 1));
        Assert.All(ports, p =>
        {
            using var listener = new TcpListener(IPAddress.Loopback, p);
            listener.Start();
        });
    }

    [Fact]
    public async Task Next_AskedFromManyThreadsAtOnce_NeverGivesAPortTwice()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 32).Select(_ => FreePort.Next()).ToList())));

        var ports = batches.SelectMany(b => b).ToList();

        Assert.Equal(256, ports.Distinct().Count());
    }
}
