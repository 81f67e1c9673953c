using Mesh.Pricing;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Pricing;

/// <summary>
/// The price lists telemetry bills with, from its store: loaded (and the configured lists it lacks seeded)
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

    /// <summary>
    /// Stores every configured list (<c>Mesh:Pricing:Lists</c>, the shipped <c>mesh-prices.json</c>
    /// first of all) that the store lacks, oldest first. Lists are matched by version and never
    /// edited: a store that holds a version keeps it as stored, and a release that changes prices
    /// ships them as a new version, which an upgraded store gains from its effective date. A new,
    /// empty store has no past to keep: the list in force now prices it from the beginning (with
    /// lists dated later after it), so usage it takes in from before that list's date, such as an
    /// imported or demo history, is priced at today's prices rather than a list it never had.
    /// </summary>
    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = TruncateToSecond(time.GetUtcNow().UtcDateTime);
        var lists = configured.Value.Lists
            .Select(l => l.Value.ToList(l.Key, now, "configuration"))
            .OrderBy(l => l.EffectiveFrom).ThenBy(l => l.Version, StringComparer.Ordinal)
            .ToList();
        if (_book.Lists.Count == 0 && lists.LastOrDefault(l => l.EffectiveFrom <= now) is { } current)
        {
            lists = [current with { EffectiveFrom = DateTime.UnixEpoch }, .. lists.Where(l => l.EffectiveFrom > now)];
        }

        foreach (var list in lists.Where(l => _book.Find(l.Version) is null))
        {
            var problems = await AddAsync(list, cancellationToken);
            if (problems.Count > 0)
            {
                LogSeedRefused(logger, list.Version, string.Join("; ", problems));
            }
        }
    }

    public static DateTime TruncateToSecond(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Price list {Version} added, effective from {EffectiveFrom:O}, by {CreatedBy}")]
    private static partial void LogAdded(ILogger logger, string version, DateTime effectiveFrom, string createdBy);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "The configured price list {Version} was not stored: {Problems}. Give it another EffectiveFrom or version under Mesh:Pricing:Lists, or add it with mesh prices add")]
    private static partial void LogSeedRefused(ILogger logger, string version, string problems);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Could not reload price lists ({Reason}); billing goes on with the lists loaded before")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
