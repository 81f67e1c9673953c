using System.Text;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Strings decoded from UTF-8, reused when the same bytes come again: usage events repeat their
/// tenants, principals, services and models, and decoding each afresh made much of an ingest
/// batch's garbage. Bounded: past <see cref="Capacity"/> entries it starts over. One per thread
/// (<see cref="ForThisThread"/>), so nothing is shared or locked.
/// </summary>
internal sealed class Utf8StringCache
{
    private const int Capacity = 4096;

    [ThreadStatic]
    private static Utf8StringCache? t_cache;

    private readonly Dictionary<int, (byte[] Utf8, string Value)> _entries = [];

    public static Utf8StringCache ForThisThread => t_cache ??= new();

    /// <summary>The string <paramref name="utf8"/> encodes (valid UTF-8).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return "";
        }

        var hash = new HashCode();
        hash.AddBytes(utf8);
        var key = hash.ToHashCode();
        if (_entries.TryGetValue(key, out var entry) && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        _entries[key] = (utf8.ToArray(), value);
        return value;
    }
}
