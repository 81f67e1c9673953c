using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.V1;
using Mesh.Tools.V1;

namespace Mesh.Tools.Pricing;

/// <summary>
/// Telemetry's price list (Prices.GetPriceList, asked with the service's own credential), kept
/// for <see cref="RefreshInterval"/>. Listing tools never fails for want of prices: while
/// telemetry is out of reach the last list is used, or none (prices unset), and it is asked
/// again after <see cref="RetryInterval"/>. A price class the list does not name costs nothing.
/// </summary>
public sealed partial class TelemetryToolPrices(
    Prices.PricesClient client,
    IServiceCredentials credentials,
    TimeProvider time,
    ILogger<TelemetryToolPrices> logger) : IToolPrices, IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private PriceList? _list;
    private DateTimeOffset _nextFetch = DateTimeOffset.MinValue;

    public async ValueTask<ToolPrice?> PriceOfAsync(string priceClass, CancellationToken cancellationToken)
    {
        var list = time.GetUtcNow() < _nextFetch ? _list : await FetchAsync(cancellationToken);
        if (list is null)
        {
            return null;
        }

        var entry = list.Prices.FirstOrDefault(p => string.Equals(p.Resource, priceClass, StringComparison.OrdinalIgnoreCase));
        return new ToolPrice
        {
            PriceClass = priceClass,
            PerCallUsd = Amount(entry?.PerCall),
            PerCpuSecondUsd = Amount(entry?.PerComputeSecond),
            PriceListVersion = list.Version,
        };
    }

    public void Dispose() => _refresh.Dispose();

    private async ValueTask<PriceList?> FetchAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (time.GetUtcNow() < _nextFetch)
            {
                return _list;
            }

            try
            {
                var headers = await credentials.HeadersAsync(cancellationToken);
                _list = await client.GetPriceListAsync(new GetPriceListRequest(), headers, time.GetUtcNow().UtcDateTime + AskTimeout, cancellationToken);
                _nextFetch = time.GetUtcNow() + RefreshInterval;
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
            {
                LogUnavailable(logger, ex.Status.Detail);
                _nextFetch = time.GetUtcNow() + RetryInterval;
            }

            return _list;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private static string Amount(string? text) => string.IsNullOrEmpty(text) ? "0" : text;

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Telemetry's price list is out of reach ({Reason}); tool prices are shown from the last list, or not at all")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
