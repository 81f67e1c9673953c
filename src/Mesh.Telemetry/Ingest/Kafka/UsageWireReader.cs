using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;
using Mesh.Metering;
using Mesh.Telemetry.Storage;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Reads the common usage event straight from its protobuf bytes into a priced record, without
/// building the event object: the ingest's fast path. It takes only events it reads exactly as
/// the full path would (<see cref="UsageEventConverter"/> over the parsed event): no attributes
/// or reservation, each field once, every value valid and within bounds. For anything else it
/// declines, and the caller takes the full path, which also says what is wrong.
/// </summary>
public sealed class UsageWireReader(UsageEventConverter converter)
{
    /// <summary>A record for <paramref name="message"/>, or false: take the full path.</summary>
    public bool TryRead(ReadOnlySpan<byte> message, bool readBefore, out UsageRecord? record)
    {
        record = null;
        var e = new WireEvent();
        if (!e.TryParse(message) || !e.IsPlainlyValid(out var eventId, out var occurredAt))
        {
            return false;
        }

        var strings = Utf8StringCache.ForThisThread;
        var resource = strings.Get(e.Resource);
        var resourceVersion = strings.Get(e.ResourceVersion);
        var device = strings.Get(e.Device);
        var tenantId = strings.Get(e.TenantId);
        if (string.IsNullOrWhiteSpace(tenantId)
            || !converter.TryPrice(e.Kind, occurredAt, resource, resourceVersion, device, e.Amounts, out var cost, out var priceVersion))
        {
            return false;
        }

        record = new UsageRecord
        {
            FirstArrival = !readBefore && e.FirstSend,
            EventId = eventId,
            OccurredAt = occurredAt,
            TenantId = tenantId,
            PrincipalId = strings.Get(e.PrincipalId),
            AgentId = strings.Get(e.AgentId),
            RunId = strings.Get(e.RunId),
            StepId = strings.Get(e.StepId),
            Service = strings.Get(e.Service),
            Kind = UsageNames.Kind(e.Kind),
            Resource = resource,
            ResourceVersion = resourceVersion,
            Device = device,
            InputTokens = e.Amounts.InputTokens,
            OutputTokens = e.Amounts.OutputTokens,
            CachedTokens = e.Amounts.CachedTokens,
            ReasoningTokens = e.Amounts.ReasoningTokens,
            TtftMs = e.Amounts.TtftMs,
            PricedAs = resource, // no attributes, so no price class
            QueueMs = e.Amounts.QueueMs,
            ComputeMs = e.Amounts.ComputeMs,
            TotalMs = e.Amounts.TotalMs,
            BatchSize = e.Amounts.BatchSize,
            Status = UsageNames.Status(e.Status),
            CostUsd = cost,
            PriceVersion = priceVersion,
            TraceId = Encoding.UTF8.GetString(e.TraceId),
        };
        return true;
    }

    /// <summary>
    /// A usage event's fields where they lie in its protobuf bytes (field numbers from
    /// <c>usage.proto</c>), read the way Google.Protobuf reads them.
    /// </summary>
    private ref struct WireEvent
    {
        private const int Varint = 0;
        private const int Fixed64 = 1;
        private const int Delimited = 2;

        public ReadOnlySpan<byte> EventId;
        public ReadOnlySpan<byte> TenantId;
        public ReadOnlySpan<byte> PrincipalId;
        public ReadOnlySpan<byte> AgentId;
        public ReadOnlySpan<byte> RunId;
        public ReadOnlySpan<byte> StepId;
        public ReadOnlySpan<byte> Service;
        public ReadOnlySpan<byte> Resource;
        public ReadOnlySpan<byte> ResourceVersion;
        public ReadOnlySpan<byte> Device;
        public ReadOnlySpan<byte> TraceId;
        public UsageKind Kind;
        public UsageStatus Status;
        public UsageAmounts Amounts;
        public bool FirstSend;
        private long _seconds;
        private int _nanos;
        private bool _hasOccurredAt;

        /// <summary>False for anything the full path might read differently: unknown or repeated fields, attributes, a reservation, malformed bytes.</summary>
        public bool TryParse(ReadOnlySpan<byte> bytes)
        {
            var seen = 0UL;
            var at = 0;
            long input = 0, output = 0, cached = 0, reasoning = 0;
            double ttft = 0, queue = 0, compute = 0, total = 0;
            var batchSize = 0;
            while (at < bytes.Length)
            {
                if (!TryVarint(bytes, ref at, out var tag) || (tag >> 3) is 0 or > 27)
                {
                    return false;
                }

                var field = (int)(tag >> 3);
                if ((seen & (1UL << field)) != 0)
                {
                    return false;
                }

                seen |= 1UL << field;
                var wireType = (int)(tag & 7);
                if (wireType == Varint && TryVarint(bytes, ref at, out var number))
                {
                    switch (field)
                    {
                        case 9: Kind = (UsageKind)(int)number; break;
                        case 13: input = (long)number; break;
                        case 14: output = (long)number; break;
                        case 15: cached = (long)number; break;
                        case 19: batchSize = (int)number; break;
                        case 20: Status = (UsageStatus)(int)number; break;
                        case 25: reasoning = (long)number; break;
                        case 27: FirstSend = number != 0; break;
                        default: return false;
                    }
                }
                else if (wireType == Fixed64 && at + 8 <= bytes.Length)
                {
                    var value = BinaryPrimitives.ReadDoubleLittleEndian(bytes[at..]);
                    at += 8;
                    switch (field)
                    {
                        case 16: queue = value; break;
                        case 17: compute = value; break;
                        case 18: total = value; break;
                        case 26: ttft = value; break;
                        default: return false;
                    }
                }
                else if (wireType == Delimited && TryVarint(bytes, ref at, out var length) && length <= (ulong)(bytes.Length - at))
                {
                    var value = bytes.Slice(at, (int)length);
                    at += (int)length;
                    if (!TryTake(field, value))
                    {
                        return false;
                    }
                }
                else
                {
                    return false;
                }
            }

            Amounts = new UsageAmounts(input, output, cached, reasoning, ttft, batchSize, queue, compute, total);
            return true;
        }

        /// <summary>
        /// True when the event is valid and within every bound, as <see cref="UsageEventConverter"/>
        /// checks them (the tenant and the price are checked once its strings are read).
        /// </summary>
        public readonly bool IsPlainlyValid(out Guid eventId, out DateTime occurredAt)
        {
            occurredAt = default;
            // The canonical form only: any other the full path may parse, or reject, itself.
            if (!Utf8Parser.TryParse(EventId, out eventId, out var used, 'D') || used != EventId.Length
                || !_hasOccurredAt || _nanos is < 0 or > 999_999_999
                || _seconds < UsageEventLimits.Earliest.ToUnixTimeSeconds() || _seconds > UsageEventLimits.Latest.ToUnixTimeSeconds()
                || Kind == UsageKind.Unspecified || !UsageNames.IsKnown(Kind) || !UsageNames.IsKnown(Status)
                || Amounts.Problem() is not null)
            {
                return false;
            }

            occurredAt = DateTime.UnixEpoch.AddTicks((_seconds * TimeSpan.TicksPerSecond) + (_nanos / 100));
            return true;
        }

        private bool TryTake(int field, ReadOnlySpan<byte> value)
        {
            if (field == 2)
            {
                return TryTimestamp(value);
            }

            // Bytes bound characters from above: at most MaxIdLength bytes is within the bound.
            if (value.Length > UsageEventLimits.MaxIdLength || !Utf8.IsValid(value))
            {
                return false;
            }

            switch (field)
            {
                case 1: EventId = value; break;
                case 3: TenantId = value; break;
                case 4: PrincipalId = value; break;
                case 5: AgentId = value; break;
                case 6: RunId = value; break;
                case 7: StepId = value; break;
                case 8: Service = value; break;
                case 10: Resource = value; break;
                case 11: ResourceVersion = value; break;
                case 12: Device = value; break;
                case 22: TraceId = value; break;
                default: return false; // attributes (21), reservation_id (23), reserved_usd (24)
            }

            return true;
        }

        /// <summary>A google.protobuf.Timestamp: seconds (1) and nanos (2), each at most once.</summary>
        private bool TryTimestamp(ReadOnlySpan<byte> bytes)
        {
            var at = 0;
            var seen = 0;
            while (at < bytes.Length)
            {
                if (!TryVarint(bytes, ref at, out var tag) || (tag != (1 << 3) && tag != (2 << 3)) || (seen & (int)tag) != 0
                    || !TryVarint(bytes, ref at, out var value))
                {
                    return false;
                }

                seen |= (int)tag;
                if (tag == 1 << 3)
                {
                    _seconds = (long)value;
                }
                else
                {
                    _nanos = (int)value;
                }
            }

            _hasOccurredAt = true;
            return true;
        }

        /// <summary>A base-128 varint of at most ten bytes, as protobuf writes integers.</summary>
        private static bool TryVarint(ReadOnlySpan<byte> bytes, ref int at, out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 70 && at < bytes.Length; shift += 7)
            {
                var b = bytes[at++];
                if (shift == 63 && b > 1)
                {
                    return false; // past 64 bits
                }

                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
