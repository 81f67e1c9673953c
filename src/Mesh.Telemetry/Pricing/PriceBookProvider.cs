using Mesh.Pricing;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Pricing;

/// <summary>
/// The price lists telemetry bills with, from its store: loaded (and the configured list seeded)
/// before the service takes traffic, reloaded every <see cref="RefreshInterval"/> so lists another
/// replica added are seen, and at once after a list is added here.
/// </summary>
public sealed partial class PriceBookProvider(
    IUsageStore store,
    IOptions<PricingOptions> configured,
    TimeProvider time,
    ILogger<PriceBookProvider> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _adding = new(1, 1);
    private volatile PriceBook _book = PriceBook.Empty;

    /// <summary>The lists as last loaded.</summary>
    public PriceBook Current => _book;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken);
        await SeedAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Validates and stores a new list; returns the problems instead when there are any (nothing is stored then).</summary>
    public async Task<IReadOnlyList<string>> AddAsync(DatedPriceList list, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(list);
        await _adding.WaitAsync(cancellationToken);
        try
        {
            await ReloadAsync(cancellationToken);
            var problems = PriceListValidator.Problems(list, _book);
            if (problems.Count > 0)
            {
                return problems;
            }

            await store.ExecuteAsync(PriceListSql.Insert(store.Dialect, list), cancellationToken);
            await ReloadAsync(cancellationToken);
            LogAdded(logger, list.Version, list.EffectiveFrom, list.CreatedBy);
            return [];
        }
        finally
        {
            _adding.Release();
        }
    }

    public override void Dispose()
    {
        _adding.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReloadFailed(logger, ex.Message);
            }
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var rows = await store.ReadAsync(PriceListSql.SelectAll(store.Dialect), SqlReadLimits.Internal, cancellationToken);
        _book = new PriceBook(PriceListSql.Lists(rows.Rows));
    }

    /// <summary>The configured list (<c>Mesh:Pricing</c>) is stored once, effective from its EffectiveFrom (default: always).</summary>
    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var options = configured.Value;
        if (string.IsNullOrWhiteSpace(options.Version) || _book.Find(options.Version) is not null)
        {
            return;
        }

        var list = new DatedPriceList
        {
            Catalog = new PriceCatalog(configured),
            EffectiveFrom = (options.EffectiveFrom ?? DateTimeOffset.UnixEpoch).UtcDateTime,
            CreatedAt = TruncateToSecond(time.GetUtcNow().UtcDateTime),
            CreatedBy = "configuration",
            Description = options.Description,
        };
        var problems = await AddAsync(list, cancellationToken);
        if (problems.Count > 0)
        {
            LogSeedRefused(logger, options.Version, string.Join("; ", problems));
        }
    }

    public static DateTime TruncateToSecond(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Price list {Version} added, effective from {EffectiveFrom:O}, by {CreatedBy}")]
    private static partial void LogAdded(ILogger logger, string version, DateTime effectiveFrom, string createdBy);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "The configured price list {Version} was not stored: {Problems}. Set Mesh:Pricing:EffectiveFrom or add the list with mesh prices add")]
    private static partial void LogSeedRefused(ILogger logger, string version, string problems);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Could not reload price lists ({Reason}); billing goes on with the lists loaded before")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
