using System.Net;
using System.Net.Sockets;

namespace Mesh.Tools.Egress;

/// <summary>
/// A tenant's outbound HTTP policy. A URL is refused unless it is http(s) to a host on the list;
/// the connection is made by this policy's own connect step, which resolves the host and refuses
/// every address that is not public unless an entry names that very address, so neither DNS
/// answers nor redirects can lead a call to the machine's loopback or private network. Each
/// redirect is checked like the first URL.
/// </summary>
public sealed class AllowList(IReadOnlyList<AllowListEntry> entries)
{
    public const int MaxRedirects = 5;

    public IReadOnlyList<AllowListEntry> Entries { get; } = entries;

    /// <summary>Why <paramref name="url"/> may not be called, or null when it may.</summary>
    public string? Refusal(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            return $"'{url}' is not an http or https URL";
        }

        if (url.UserInfo.Length > 0)
        {
            return "URLs with credentials in them are not allowed";
        }

        if (!Entries.Any(e => e.Matches(url.Host, url.Port)))
        {
            return Entries.Count == 0
                ? $"{url.Host}:{url.Port} is not on the tenant's HTTP allow-list, which is empty (a tenant admin sets it with SetHttpAllowList)"
                : $"{url.Host}:{url.Port} is not on the tenant's HTTP allow-list ({string.Join(", ", Entries)})";
        }

        return null;
    }

    /// <summary>An HTTP client that only connects where this list allows, follows no redirects itself, and gives up after <paramref name="timeout"/>.</summary>
    public HttpClient CreateClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
    }

    /// <summary>The addresses of <paramref name="host"/> this list lets a call reach on <paramref name="port"/>; refuses when there are none.</summary>
    public async Task<IReadOnlyList<IPAddress>> AddressesAsync(string host, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!Entries.Any(e => e.Matches(host, port)))
        {
            throw new EgressRefusedException($"{host}:{port} is not on the tenant's HTTP allow-list");
        }

        IPAddress[] resolved;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            resolved = [literal];
        }
        else
        {
            try
            {
                resolved = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException ex)
            {
                throw new HttpRequestException($"{host} could not be resolved: {ex.Message}", ex);
            }
        }

        var allowed = resolved.Where(a => AddressRanges.IsPublic(a) || Entries.Any(e => e.Address is not null && e.Address.Equals(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a) && e.Matches(e.Host, port))).ToList();
        if (allowed.Count == 0)
        {
            throw new EgressRefusedException(
                $"{host} resolves to {string.Join(", ", resolved.Select(a => a.ToString()))}: private, loopback and link-local addresses are refused unless the allow-list names the address itself");
        }

        return allowed;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        Exception? last = null;
        foreach (var address in await AddressesAsync(endpoint.Host, endpoint.Port, cancellationToken))
        {
            var socket = AddressRanges.SocketFor(address);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }

        throw new HttpRequestException($"could not connect to {endpoint.Host}:{endpoint.Port}", last);
    }
}
