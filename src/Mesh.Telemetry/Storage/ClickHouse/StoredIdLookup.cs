using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using ClickHouse.Driver.ADO;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// Finds which event ids of a batch are already stored. The ids and tenants travel as
/// external data (RowBinary tables sent with the query, which every ClickHouse version
/// reads), not as SQL literals: no statement to parse grows with the batch.
/// </summary>
internal sealed class StoredIdLookup : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _credentials;

    public StoredIdLookup(ClickHouseClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        _endpoint = new UriBuilder(string.IsNullOrEmpty(settings.Protocol) ? "http" : settings.Protocol, settings.Host, settings.Port).Uri;
        _credentials = "&user=" + Uri.EscapeDataString(string.IsNullOrEmpty(settings.Username) ? "default" : settings.Username)
            + (string.IsNullOrEmpty(settings.Password) ? "" : "&password=" + Uri.EscapeDataString(settings.Password));
    }

    public async Task<HashSet<Guid>> StoredAsync(string database, IReadOnlyCollection<UsageRecord> records, CancellationToken cancellationToken)
    {
        var (first, last) = (DateTime.MaxValue, DateTime.MinValue);
        foreach (var record in records)
        {
            (first, last) = (record.OccurredAt < first ? record.OccurredAt : first, record.OccurredAt > last ? record.OccurredAt : last);
        }

        var from = ClickHouseDialect.Split(first).Seconds;
        var to = ClickHouseDialect.Split(last).Seconds;
        // Bounded by the sort key (tenant, time) first, so only the batch's neighbourhood is read.
        var sql = string.Create(CultureInfo.InvariantCulture,
            $"SELECT toString(event_id) FROM {database}.{UsageSql.Table} WHERE tenant_id IN batch_tenants AND occurred_at >= toDateTime({from}) AND occurred_at <= toDateTime({to}) AND event_id IN batch_ids FORMAT TabSeparated");
        var url = new Uri(_endpoint, "?query=" + Uri.EscapeDataString(sql)
            + "&batch_ids_structure=" + Uri.EscapeDataString("id UUID") + "&batch_ids_format=RowBinary"
            + "&batch_tenants_structure=" + Uri.EscapeDataString("tenant String") + "&batch_tenants_format=RowBinary"
            + _credentials);

        using var form = new MultipartFormDataContent();
        form.Add(File(Ids(records)), "batch_ids", "batch_ids");
        form.Add(File(Tenants(records)), "batch_tenants", "batch_tenants");
        using var response = await _http.PostAsync(url, form, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"ClickHouse answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }

        var stored = new HashSet<Guid>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            stored.Add(Guid.Parse(line));
        }

        return stored;
    }

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent File(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static byte[] Ids(IReadOnlyCollection<UsageRecord> records)
    {
        var bytes = new byte[records.Count * 16];
        var at = 0;
        Span<byte> id = stackalloc byte[16];
        foreach (var record in records)
        {
            // ClickHouse's UUID: two little-endian 64-bit halves, the high half first.
            record.EventId.TryWriteBytes(id, bigEndian: true, out _);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), BinaryPrimitives.ReadUInt64BigEndian(id[..8]));
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at + 8), BinaryPrimitives.ReadUInt64BigEndian(id[8..]));
            at += 16;
        }

        return bytes;
    }

    private static byte[] Tenants(IReadOnlyCollection<UsageRecord> records)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            foreach (var tenant in records.Select(r => r.TenantId).Distinct(StringComparer.Ordinal))
            {
                writer.Write(tenant);
            }
        }

        return stream.ToArray();
    }
}
