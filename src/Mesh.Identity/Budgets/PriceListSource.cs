using System.Globalization;
using Grpc.Core;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Budgets;

/// <summary>The price list reservations are priced with.</summary>
public interface IPriceListSource
{
    ValueTask<PriceCatalog> CurrentAsync(CancellationToken cancellationToken);
}

/// <summary>How identity keeps telemetry's price list (<c>Mesh:Identity:Prices</c>).</summary>
public sealed class PriceListOptions
{
    public const string SectionName = "Mesh:Identity:Prices";

    /// <summary>How often the list is fetched again; between fetches the last one is used.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Problems()
    {
        if (RefreshInterval < TimeSpan.FromSeconds(1) || RefreshInterval > TimeSpan.FromHours(1))
        {
            yield return $"{SectionName}:RefreshInterval must be between 1 second and 1 hour (it is {RefreshInterval})";
        }
    }
}

/// <summary>
/// Telemetry owns pricing: identity fetches its price list (Prices.GetPriceList) and keeps it,
/// fetching again every <see cref="PriceListOptions.RefreshInterval"/>. When telemetry is away the
/// last list keeps working; before the first one arrives, reservations that need a price fail
/// with Unavailable rather than reserve a made-up amount.
/// </summary>
public sealed partial class TelemetryPriceListSource(
    Prices.PricesClient client,
    IServiceCredentials credentials,
    IOptions<PriceListOptions> options,
    IOptions<MeshGrpcOptions> grpc,
    TimeProvider time,
    ILogger<TelemetryPriceListSource> logger) : IPriceListSource, IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private PriceCatalog? _catalog;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async ValueTask<PriceCatalog> CurrentAsync(CancellationToken cancellationToken)
    {
        var catalog = _catalog;
        if (catalog is not null && time.GetUtcNow() - _fetchedAt < options.Value.RefreshInterval)
        {
            return catalog;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_catalog is { } fresh && time.GetUtcNow() - _fetchedAt < options.Value.RefreshInterval)
            {
                return fresh;
            }

            try
            {
                var headers = await credentials.HeadersAsync(cancellationToken);
                var list = await client.GetPriceListAsync(new GetPriceListRequest(), headers, time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
                _catalog = ToCatalog(list);
                LogFetched(logger, list.Version, list.Prices.Count);
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled && _catalog is not null)
            {
                LogStale(logger, _catalog.Version, ex.Status.Detail);
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
            {
                throw MeshErrors.Unavailable($"the budget reservation could not be priced: telemetry's price list is unavailable ({ex.Status.Detail}); retry shortly");
            }

            _fetchedAt = time.GetUtcNow();
            return _catalog;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    /// <summary>
    /// The list as reservations use it: one price per resource, the highest of its lines (any
    /// version, device class or tier), so a reservation never asks for less than the call can cost.
    /// </summary>
    public static PriceCatalog ToCatalog(PriceList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var prices = new Dictionary<string, Mesh.Pricing.ResourcePrice>(StringComparer.OrdinalIgnoreCase);
        foreach (var price in list.Prices)
        {
            var input = Decimal(price.InputPerMillionTokens);
            var cached = string.IsNullOrEmpty(price.CachedPerMillionTokens) ? input : Decimal(price.CachedPerMillionTokens);
            var known = prices.GetValueOrDefault(price.Resource);
            prices[price.Resource] = new Mesh.Pricing.ResourcePrice
            {
                InputPerMillionTokens = Math.Max(input, known?.InputPerMillionTokens ?? 0),
                OutputPerMillionTokens = Math.Max(Decimal(price.OutputPerMillionTokens), known?.OutputPerMillionTokens ?? 0),
                CachedPerMillionTokens = Math.Max(cached, known?.CachedPerMillionTokens ?? 0),
                PerCall = Math.Max(Decimal(price.PerCall), known?.PerCall ?? 0),
                PerComputeSecond = Math.Max(Decimal(price.PerComputeSecond), known?.PerComputeSecond ?? 0),
            };
        }

        return new PriceCatalog(list.Version, prices);
    }

    private static decimal Decimal(string text) =>
        decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value) ? value : 0m;

    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Fetched price list {Version} ({Count} resources) from telemetry")]
    private static partial void LogFetched(ILogger logger, string version, int count);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Could not fetch telemetry's price list ({Reason}); reservations keep using version {Version}")]
    private static partial void LogStale(ILogger logger, string version, string reason);
}
