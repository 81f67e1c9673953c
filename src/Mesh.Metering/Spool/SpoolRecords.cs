using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;
using Mesh.Usage.V1;

namespace Mesh.Metering.Spool;

/// <summary>
/// The spool's record format: a 4-byte little-endian length, the CRC-32 of the payload, and the
/// event as protobuf. Reading stops at the first record that is short or does not match its
/// checksum: the torn tail a power loss can leave.
/// </summary>
internal static class SpoolRecords
{
    public const int HeaderBytes = 8;

    /// <summary>Largest payload a reader accepts; anything longer is a corrupt length.</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    public static byte[] Encode(UsageEvent usageEvent)
    {
        var size = usageEvent.CalculateSize();
        var record = new byte[HeaderBytes + size];
        usageEvent.WriteTo(record.AsSpan(HeaderBytes));
        BinaryPrimitives.WriteInt32LittleEndian(record, size);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(record.AsSpan(HeaderBytes)));
        return record;
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
                torn = true;
                break;
            }

            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
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
