using System.Globalization;
using System.Net;

namespace Mesh.Tools.Egress;

/// <summary>
/// One host a tenant's outbound calls may reach: <c>example.com</c>, <c>*.example.com</c> (its
/// subdomains, not itself), or an IP address; with <c>:port</c> only that port, without it ports
/// 80 and 443. A private, loopback or link-local address is reachable only through an entry that
/// is that address itself.
/// </summary>
public sealed record AllowListEntry(string Host, int? Port, bool Subdomains, IPAddress? Address)
{
    private static readonly int[] DefaultPorts = [80, 443];

    /// <summary>The entry, or null with what is wrong with <paramref name="text"/>.</summary>
    public static AllowListEntry? Parse(string text, out string problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = "";
        var value = text.Trim().ToLowerInvariant();
        if (value.Length is 0 or > 253 || value.Contains("://", StringComparison.Ordinal) || value.Contains('/', StringComparison.Ordinal))
        {
            problem = $"'{text}' is not a host: give a name (example.com, *.example.com) or an address, optionally with :port, without scheme or path";
            return null;
        }

        int? port = null;
        var host = value;
        if (value.StartsWith('[') && value.Contains(']', StringComparison.Ordinal))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            host = value[1..close];
            if (close + 1 < value.Length)
            {
                if (value[close + 1] != ':' || !TryPort(value[(close + 2)..], out var p))
                {
                    problem = $"'{text}' has a bad port";
                    return null;
                }

                port = p;
            }
        }
        else if (value.Count(c => c == ':') == 1)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (!TryPort(value[(colon + 1)..], out var p))
            {
                problem = $"'{text}' has a bad port (1-65535)";
                return null;
            }

            host = value[..colon];
            port = p;
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return new AllowListEntry(address.ToString(), port, false, address);
        }

        var subdomains = host.StartsWith("*.", StringComparison.Ordinal);
        var name = subdomains ? host[2..] : host;
        if (name.Length == 0 || name.Split('.').Any(label => label.Length is 0 or > 63 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) || name.Contains('*', StringComparison.Ordinal))
        {
            problem = $"'{text}' is not a valid host name (letters, digits, '-' and '.', optionally starting with *.)";
            return null;
        }

        return new AllowListEntry(name, port, subdomains, null);
    }

    /// <summary>Does the entry name <paramref name="host"/> (as written in the URL) on <paramref name="port"/>?</summary>
    public bool Matches(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (Port is { } only ? only != port : !DefaultPorts.Contains(port))
        {
            return false;
        }

        var name = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        if (Address is not null)
        {
            return IPAddress.TryParse(name, out var literal) && literal.Equals(Address);
        }

        return Subdomains ? name.EndsWith("." + Host, StringComparison.Ordinal) : name == Host;
    }

    public override string ToString()
    {
        var host = Address is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ? $"[{Host}]" : Subdomains ? $"*.{Host}" : Host;
        return Port is { } port ? $"{host}:{port.ToString(CultureInfo.InvariantCulture)}" : host;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
}
