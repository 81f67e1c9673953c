using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// Writes usage records in ClickHouse's RowBinary format, in <see cref="ClickHouseSchema.Columns"/>
/// order: the format every server version reads, and the cheapest to produce. Each row is
/// written straight into the output's memory, not through a stream call per column.
/// </summary>
public static class UsageRowBinary
{
    private const decimal CostScale = 1_000_000_000m;

    /// <summary>The bytes of a row other than its strings' (ids, times and numbers).</summary>
    private const int FixedBytes = 16 + (2 * 4) + (3 * 8) + (3 * 8) + 4 + 8 + 4 + 8 + 8;

    /// <summary>Appends <paramref name="record"/>'s row to <paramref name="output"/>.</summary>
    public static void Write(UsageRecord record, DateTime ingestedAt, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(output);
        var row = new RowWriter(output.GetSpan(MaxBytes(record)));
        Write(ref row, record, (uint)ClickHouseDialect.Split(ingestedAt).Seconds);
        output.Advance(row.Written);
    }

    private static void Write(ref RowWriter row, UsageRecord r, uint ingestedAt)
    {
        row.Uuid(r.EventId);
        var (seconds, micros) = ClickHouseDialect.Split(r.OccurredAt);
        row.UInt32(checked((uint)seconds));
        row.UInt32((uint)micros);
        row.String(r.TenantId);
        row.String(r.PrincipalId);
        row.String(r.AgentId);
        row.String(r.RunId);
        row.String(r.StepId);
        row.String(r.Service);
        row.String(r.Kind);
        row.String(r.Resource);
        row.String(r.ResourceVersion);
        row.String(r.Device);
        row.Int64(r.InputTokens);
        row.Int64(r.OutputTokens);
        row.Int64(r.CachedTokens);
        row.Float64(r.QueueMs);
        row.Float64(r.ComputeMs);
        row.Float64(r.TotalMs);
        row.UInt32((uint)r.BatchSize);
        row.String(r.Status);
        // Decimal(18, 9) is an Int64 of billionths; the converter already rounded to 9 places.
        row.Int64(decimal.ToInt64(decimal.Round(r.CostUsd * CostScale, 0, MidpointRounding.ToEven)));
        row.String(r.PriceVersion);
        row.String(r.Attributes);
        row.String(r.TraceId);
        row.UInt32(ingestedAt);
        row.Int64(r.ReasoningTokens);
        row.Float64(r.TtftMs);
        row.String(r.PricedAs);
    }

    /// <summary>An upper bound of the row's size: each string at most 3 UTF-8 bytes a char, after a length of at most 5.</summary>
    private static int MaxBytes(UsageRecord r) => FixedBytes + (16 * 5) + (3 * (
        r.TenantId.Length + r.PrincipalId.Length + r.AgentId.Length + r.RunId.Length + r.StepId.Length + r.Service.Length
        + r.Kind.Length + r.Resource.Length + r.ResourceVersion.Length + r.Device.Length + r.Status.Length
        + r.PriceVersion.Length + r.Attributes.Length + r.TraceId.Length + r.PricedAs.Length));

    /// <summary>Writes one row's values, little-endian as RowBinary wants, into memory large enough for it.</summary>
    private ref struct RowWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Written { get; private set; }

        /// <summary>ClickHouse keeps a UUID as two little-endian 64-bit halves, the high half first.</summary>
        public void Uuid(Guid id)
        {
            Span<byte> bytes = stackalloc byte[16];
            id.TryWriteBytes(bytes, bigEndian: true, out _);
            Int64(BinaryPrimitives.ReadInt64BigEndian(bytes[..8]));
            Int64(BinaryPrimitives.ReadInt64BigEndian(bytes[8..]));
        }

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer[Written..], value);
            Written += 4;
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_buffer[Written..], value);
            Written += 8;
        }

        public void Float64(double value)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_buffer[Written..], value);
            Written += 8;
        }

        /// <summary>RowBinary's String: the UTF-8 byte count as LEB128, then the bytes.</summary>
        public void String(string value)
        {
            // Most strings (ids, names) are at most 127 bytes, whose count is one byte: encode
            // them in one pass and put the count before them, without counting first.
            if (value.Length * 3 < 0x80)
            {
                var written = Encoding.UTF8.GetBytes(value, _buffer[(Written + 1)..]);
                _buffer[Written] = (byte)written;
                Written += 1 + written;
                return;
            }

            var length = (uint)Encoding.UTF8.GetByteCount(value);
            do
            {
                var low = (byte)(length & 0x7F);
                length >>= 7;
                _buffer[Written++] = length == 0 ? low : (byte)(low | 0x80);
            }
            while (length != 0);

            Written += Encoding.UTF8.GetBytes(value, _buffer[Written..]);
        }
    }
}
