using System.Buffers.Binary;
using System.IO.Hashing;
using Mesh.Usage.V1;

namespace Mesh.Metering.Spool;

/// <summary>
/// The spool's record format: a 4-byte little-endian length, the CRC-32 of the payload, and the
/// event as protobuf. Segment files are allocated whole, so reading stops at the first zero
/// length (the unused rest), and at the first record that is short or does not match its
/// checksum: the torn tail a power loss can leave.
/// </summary>
internal static class SpoolRecords
{
    public const int HeaderBytes = 8;

    /// <summary>Largest payload a reader accepts; anything longer is a corrupt length.</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    /// <summary>Writes the header of a record holding <paramref name="payload"/> (an event in protobuf) into <paramref name="header"/>.</summary>
    public static void WriteHeader(ReadOnlySpan<byte> payload, Span<byte> header)
    {
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
    }

    /// <summary>The events of a segment file, up to its first torn or corrupt record.</summary>
    public static List<UsageEvent> ReadAll(string path, out bool torn)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<UsageEvent>();
        var offset = 0;
        torn = false;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < HeaderBytes)
            {
                torn = bytes.AsSpan(offset).ContainsAnyExcept((byte)0);
                break;
            }

            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
            if (size == 0)
            {
                break;
            }

            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (size < 0 || size > MaxPayloadBytes || bytes.Length - offset - HeaderBytes < size
                || Crc32.HashToUInt32(bytes.AsSpan(offset + HeaderBytes, size)) != checksum)
            {
                torn = true;
                break;
            }

            events.Add(UsageEvent.Parser.ParseFrom(bytes, offset + HeaderBytes, size));
            offset += HeaderBytes + size;
        }

        return events;
    }
}
