using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Tokens;

/// <summary>Matches a presented service key (constant time, by digest) to the Mesh service it belongs to.</summary>
public sealed class ServiceKeys(IOptions<ServiceKeyOptions> options)
{
    private readonly (byte[] Digest, string Service)[] _keys = [.. options.Value.Services
        .SelectMany(s => new[] { s.Value.Key, s.Value.PreviousKey }.Where(k => !string.IsNullOrEmpty(k)).Select(k => (Digest(k!), s.Key)))];

    /// <summary>The service whose key <paramref name="credential"/> is, or null.</summary>
    public string? Match(string credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var presented = Digest(credential);
        string? match = null;
        foreach (var (digest, service) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, presented))
            {
                match = service;
            }
        }

        return match;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
