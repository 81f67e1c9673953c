using System.Buffers.Binary;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// Writes usage records in ClickHouse's RowBinary format, in <see cref="ClickHouseSchema.Columns"/>
/// order: the format every server version reads, and the cheapest to produce.
/// </summary>
public static class UsageRowBinary
{
    private const decimal CostScale = 1_000_000_000m;

    public static MemoryStream Write(IReadOnlyCollection<UsageRecord> records, DateTime ingestedAt)
    {
        var stream = new MemoryStream();
        Write(records, ingestedAt, stream);
        return stream;
    }

    /// <summary>Writes the rows into <paramref name="stream"/> and rewinds it to where they start.</summary>
    public static void Write(IReadOnlyCollection<UsageRecord> records, DateTime ingestedAt, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(stream);
        var start = stream.Position;
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            var ingested = (uint)ClickHouseDialect.Split(ingestedAt).Seconds;
            foreach (var record in records)
            {
                Write(writer, record, ingested);
            }
        }

        stream.Position = start;
    }

    private static void Write(BinaryWriter writer, UsageRecord r, uint ingestedAt)
    {
        WriteUuid(writer, r.EventId);
        var (seconds, micros) = ClickHouseDialect.Split(r.OccurredAt);
        writer.Write(checked((uint)seconds));
        writer.Write((uint)micros);
        // BinaryWriter writes strings as a LEB128 length and UTF-8 bytes: RowBinary's String.
        writer.Write(r.TenantId);
        writer.Write(r.PrincipalId);
        writer.Write(r.AgentId);
        writer.Write(r.RunId);
        writer.Write(r.StepId);
        writer.Write(r.Service);
        writer.Write(r.Kind);
        writer.Write(r.Resource);
        writer.Write(r.ResourceVersion);
        writer.Write(r.Device);
        writer.Write(r.InputTokens);
        writer.Write(r.OutputTokens);
        writer.Write(r.CachedTokens);
        writer.Write(r.QueueMs);
        writer.Write(r.ComputeMs);
        writer.Write(r.TotalMs);
        writer.Write(r.BatchSize);
        writer.Write(r.Status);
        // Decimal(18, 9) is an Int64 of billionths; the converter already rounded to 9 places.
        writer.Write(decimal.ToInt64(decimal.Round(r.CostUsd * CostScale, 0, MidpointRounding.ToEven)));
        writer.Write(r.PriceVersion);
        writer.Write(r.Attributes);
        writer.Write(r.TraceId);
        writer.Write(ingestedAt);
        writer.Write(r.ReasoningTokens);
        writer.Write(r.TtftMs);
        writer.Write(r.PricedAs);
    }

    /// <summary>ClickHouse keeps a UUID as two little-endian 64-bit halves, the high half first.</summary>
    private static void WriteUuid(BinaryWriter writer, Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        writer.Write(BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]));
        writer.Write(BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }
}
