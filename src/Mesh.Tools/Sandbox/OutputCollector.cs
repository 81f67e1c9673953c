using System.Buffers;
using System.Text;

namespace Mesh.Tools.Sandbox;

/// <summary>Reads a stream to its end, keeping its first <c>limit</c> bytes and counting the rest.</summary>
internal sealed class OutputCollector(long limit)
{
    private readonly ArrayBufferWriter<byte> _kept = new();

    public bool Truncated { get; private set; }

    public async Task ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var room = (int)Math.Min(read, limit - _kept.WrittenCount);
            if (room > 0)
            {
                _kept.Write(buffer.AsSpan(0, room));
            }

            // Reading goes on past the limit, so the program never blocks on a full pipe.
            Truncated |= room < read;
        }
    }

    /// <summary>The kept bytes as UTF-8 (a character cut at the limit becomes U+FFFD).</summary>
    public string Text() => Encoding.UTF8.GetString(_kept.WrittenSpan);
}
