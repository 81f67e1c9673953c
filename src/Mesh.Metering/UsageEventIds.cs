using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Mesh.Metering;

/// <summary>
/// Usage event ids: version 7 GUIDs (RFC 9562), the Unix millisecond and 74 random bits, so ids
/// sort by time and never collide. The random bits are cryptographically strong, drawn from a
/// per-thread block that is refilled every few hundred ids: <see cref="Guid.CreateVersion7()"/>
/// asks the kernel for every id, and an id is made on the request path of every call.
/// </summary>
public static class UsageEventIds
{
    private const int RandomBytes = 10;
    private const int BlockSize = RandomBytes * 400;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_used;

    public static string New(DateTimeOffset now)
    {
        if (t_block is null || t_used + RandomBytes > BlockSize)
        {
            t_block ??= new byte[BlockSize];
            RandomNumberGenerator.Fill(t_block);
            t_used = 0;
        }

        Span<byte> id = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(id, now.ToUnixTimeMilliseconds() << 16);
        t_block.AsSpan(t_used, RandomBytes).CopyTo(id[6..]);
        t_used += RandomBytes;
        id[6] = (byte)(0x70 | (id[6] & 0x0F)); // version 7
        id[8] = (byte)(0x80 | (id[8] & 0x3F)); // variant 10
        return new Guid(id, bigEndian: true).ToString();
    }
}
