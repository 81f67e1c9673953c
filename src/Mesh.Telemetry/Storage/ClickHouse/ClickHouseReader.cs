using System.Globalization;
using System.Text;
using System.Text.Json;
using ClickHouse.Driver.ADO;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// Runs reads over HTTP with per-query settings in the URL (every server version reads them
/// there): an execution time limit, and for tenants' queries <c>readonly=1</c>, under which the
/// server itself refuses writes, setting changes and table functions (files, URLs, other servers).
/// </summary>
internal sealed class ClickHouseReader : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _credentials;

    public ClickHouseReader(ClickHouseClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _endpoint = new UriBuilder(string.IsNullOrEmpty(settings.Protocol) ? "http" : settings.Protocol, settings.Host, settings.Port).Uri;
        _credentials = "&user=" + Uri.EscapeDataString(string.IsNullOrEmpty(settings.Username) ? "default" : settings.Username)
            + (string.IsNullOrEmpty(settings.Password) ? "" : "&password=" + Uri.EscapeDataString(settings.Password));
    }

    public async Task<SqlRows> ReadAsync(string sql, SqlReadLimits limits, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(limits.Timeout.TotalSeconds));
        var settings = $"?max_execution_time={seconds}&output_format_json_quote_64bit_integers=1"
            + (limits.UserQuery ? $"&readonly=1&max_result_rows={limits.MaxRows + 1}&result_overflow_mode=break" : "")
            + _credentials;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limits.Timeout + TimeSpan.FromSeconds(5));
        using var body = new StringContent(sql + " FORMAT JSONCompact", Encoding.UTF8);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(new Uri(_endpoint, settings), body, timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the query ran past its {limits.Timeout.TotalSeconds:0.#} s limit", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // Code 159: TIMEOUT_EXCEEDED.
                if (text.Contains("Code: 159", StringComparison.Ordinal))
                {
                    throw new TimeoutException($"the query ran past its {limits.Timeout.TotalSeconds:0.#} s limit");
                }

                throw new ClickHouseQueryException(text.Trim());
            }

            return Parse(text, limits.MaxRows);
        }
    }

    /// <summary>Runs a write (INSERT ... SELECT, ALTER ... DELETE) as written: the driver adds a result format 18.16 does not know.</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        using var body = new StringContent(sql, Encoding.UTF8);
        using var response = await _http.PostAsync(new Uri(_endpoint, "?" + _credentials[1..]), body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ClickHouseQueryException((await response.Content.ReadAsStringAsync(cancellationToken)).Trim());
        }
    }

    public void Dispose() => _http.Dispose();

    private static SqlRows Parse(string text, int maxRows)
    {
        using var json = JsonDocument.Parse(text);
        var columns = json.RootElement.GetProperty("meta").EnumerateArray()
            .Select(c => new SqlRowsColumn(c.GetProperty("name").GetString() ?? "", c.GetProperty("type").GetString() ?? "")).ToList();
        var rows = new List<string?[]>();
        var truncated = false;
        foreach (var row in json.RootElement.GetProperty("data").EnumerateArray())
        {
            if (rows.Count == maxRows)
            {
                truncated = true;
                break;
            }

            rows.Add([.. row.EnumerateArray().Select(Text)]);
        }

        return new SqlRows(columns, rows, truncated);
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetDecimal(out var number) ? number.ToString(CultureInfo.InvariantCulture) : value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}

/// <summary>The server refused or failed a query; the message is the server's.</summary>
public sealed class ClickHouseQueryException(string message) : Exception(message);
