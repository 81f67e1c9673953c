using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Analytics;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.Rollups;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Pricing.Replay;

/// <summary>
/// Recomputes what a window of usage costs under another price list, or with models billed as
/// others, next to its baseline (the lists in force when each event occurred) and what was billed.
/// Token counts and compute are the recorded ones; prices apply to per-group sums (exact decimals,
/// rounded once per group), so baseline and scenario are computed the same way.
/// </summary>
public sealed class CostReplayer(IUsageStore store, PriceBookProvider books, TimeProvider time)
{
    public const int DefaultLimit = 100;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    /// <summary>Price whole days from the daily priced roll-up (tests turn it off to compare with the events).</summary>
    public bool UseRollup { get; init; } = true;

    public async Task<ReplayReport> ReplayAsync(ReplayRequest request, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var book = books.Current;
        var (from, to) = QueryWindow.Parse(request.From, request.To, DefaultWindow, time.GetUtcNow());
        var groupBy = request.GroupBy.Count == 0 ? ["tenant"] : request.GroupBy.Select(g => g.Trim().ToLowerInvariant()).ToList();
        foreach (var dimension in groupBy.Where(d => !ReplaySql.Dimensions.ContainsKey(d)))
        {
            throw MeshErrors.InvalidArgument("group_by", $"'{dimension}' is not a replay dimension; use any of {string.Join(", ", ReplaySql.Dimensions.Keys)}");
        }

        if (request.Limit is < 0 or > 10_000)
        {
            throw MeshErrors.InvalidArgument("limit", $"must be between 1 and 10000 (0 means {DefaultLimit}); got {request.Limit}");
        }

        var scenario = Scenario(request, book);
        var substitutions = Substitutions(request, book, scenario);
        var baselineLists = book.Lists.Where(l => l.EffectiveFrom < to && (book.EffectiveUntil(l) ?? DateTime.MaxValue) > from).ToList();
        var catalogs = baselineLists.Select(l => l.Catalog).Append(scenario).OfType<PriceCatalog>().ToList();
        var tiered = catalogs.SelectMany(c => c.Entries).Where(e => e.MinInputTokens > 0).Select(e => e.Resource).ToHashSet(StringComparer.OrdinalIgnoreCase);
        tiered.UnionWith(substitutions.Where(s => tiered.Contains(s.Value)).Select(s => s.Key).ToList());
        var spec = new ReplaySpec
        {
            From = from,
            To = to,
            TenantId = QueryScope.Tenant(request.TenantId, caller),
            GroupBy = groupBy,
            PeriodStarts = [.. baselineLists.Select(l => l.EffectiveFrom)],
            TierThresholds = [.. catalogs.SelectMany(c => c.Entries).Select(e => e.MinInputTokens).Where(t => t > 0).Distinct()],
            TieredResources = [.. tiered],
            UseRollup = UseRollup,
            Rollup = UseRollup ? await RollupState.ReadAsync(store, from, to, cancellationToken) : null,
        };
        var rows = await store.ReadAsync(ReplaySql.Build(store.Dialect, spec), SqlReadLimits.Internal, cancellationToken);

        var groups = new Dictionary<string, Sum>(StringComparer.Ordinal);
        foreach (var row in rows.Rows)
        {
            var period = int.Parse(row[4]!, CultureInfo.InvariantCulture);
            var baseline = baselineLists.Count == 0 ? null : baselineLists[Math.Min(period, baselineLists.Count - 1)].Catalog;
            var use = new Use(
                Resource: row[0]!, Priced: row[1]!, Version: row[2] ?? "", DeviceClass: row[3] ?? "", Tier: long.Parse(row[5]!, CultureInfo.InvariantCulture),
                Events: long.Parse(row[ReplaySql.PricingColumns + groupBy.Count]!, CultureInfo.InvariantCulture),
                Input: Int(row, groupBy.Count, 1), Cached: Int(row, groupBy.Count, 2), Output: Int(row, groupBy.Count, 3), ComputeUs: Int(row, groupBy.Count, 4));
            var keys = row.Skip(ReplaySql.PricingColumns).Take(groupBy.Count).Select(k => k ?? "").ToArray();
            var key = string.Join('\u001f', keys);
            if (!groups.TryGetValue(key, out var sum))
            {
                groups[key] = sum = new Sum(keys);
            }

            sum.Events += use.Events;
            sum.Billed += decimal.Parse(row[ReplaySql.PricingColumns + groupBy.Count + 5]!, NumberStyles.Float, CultureInfo.InvariantCulture);
            sum.Baseline += Price(baseline, use.Priced, use);
            var substitute = substitutions.GetValueOrDefault(use.Resource) ?? substitutions.GetValueOrDefault(use.Priced);
            sum.Scenario += Price(scenario ?? baseline, substitute ?? use.Priced, use);
        }

        var report = new ReplayReport
        {
            From = Timestamp.FromDateTime(DateTime.SpecifyKind(from, DateTimeKind.Utc)),
            To = Timestamp.FromDateTime(DateTime.SpecifyKind(to, DateTimeKind.Utc)),
            Scenario = Describe(request, scenario, substitutions),
        };
        report.GroupBy.AddRange(groupBy);
        var total = new Sum([]);
        foreach (var sum in groups.Values)
        {
            total.Events += sum.Events;
            total.Billed += sum.Billed;
            total.Baseline += sum.Baseline;
            total.Scenario += sum.Scenario;
        }

        report.Rows.AddRange(groups.Values
            .OrderByDescending(s => Math.Abs(s.Scenario - s.Baseline)).ThenByDescending(s => s.Baseline).ThenBy(s => string.Join('\u001f', s.Keys), StringComparer.Ordinal)
            .Take(request.Limit == 0 ? DefaultLimit : request.Limit)
            .Select(Row));
        report.Total = Row(total);
        return report;
    }

    /// <summary>Whether a list in force at some time prices <paramref name="resource"/> (so it may be the target of a substitution).</summary>
    public bool CanPrice(string resource) => books.Current.Lists.Any(l => l.Catalog.Find(resource) is not null);

    private static long Int(string?[] row, int keyCount, int offset) => long.Parse(row[ReplaySql.PricingColumns + keyCount + offset]!, CultureInfo.InvariantCulture);

    private static decimal Price(PriceCatalog? catalog, string resource, Use use)
    {
        var line = catalog?.Find(resource, use.Version, use.DeviceClass, use.Tier);
        return line is null ? 0m : PriceCatalog.Round(PriceCatalog.Cost(line, use.Input, use.Output, use.Cached, use.ComputeUs / 1000m, use.Events));
    }

    private static PriceCatalog? Scenario(ReplayRequest request, PriceBook book)
    {
        if (request.PriceListVersion.Length > 0 && request.PriceList is not null)
        {
            throw MeshErrors.InvalidArgument("price_list", "give either price_list_version (a stored list) or price_list (a list to try), not both");
        }

        if (request.PriceListVersion.Length > 0)
        {
            return (book.Find(request.PriceListVersion)
                ?? throw MeshErrors.NotFound("price list", request.PriceListVersion, $"the lists are {string.Join(", ", book.Lists.Select(l => l.Version))}")).Catalog;
        }

        if (request.PriceList is null)
        {
            return null;
        }

        var problems = new List<string>();
        var proposed = request.PriceList.Clone();
        proposed.EffectiveFrom ??= Timestamp.FromDateTime(DateTime.UnixEpoch);
        if (proposed.Version.Length == 0)
        {
            proposed.Version = "what-if";
        }

        var list = PriceListMessages.FromMessage(proposed, problems, DateTime.UnixEpoch, "");
        problems.AddRange(PriceListValidator.Problems(list, PriceBook.Empty).Where(p => p.StartsWith("prices", StringComparison.Ordinal)));
        return problems.Count == 0 ? list.Catalog : throw MeshErrors.InvalidArgument("price_list", string.Join("; ", problems));
    }

    private static Dictionary<string, string> Substitutions(ReplayRequest request, PriceBook book, PriceCatalog? scenario)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (substitution, i) in request.Substitutions.Select((s, i) => (s, i)))
        {
            var from = substitution.From.Trim();
            var to = substitution.To.Trim();
            if (from.Length == 0 || to.Length == 0)
            {
                throw MeshErrors.InvalidArgument($"substitutions[{i}]", "name both the model replaced (from) and the one billed instead (to)");
            }

            var priced = scenario is not null ? scenario.Find(to) is not null : book.Lists.Any(l => l.Catalog.Find(to) is not null);
            if (!priced)
            {
                throw MeshErrors.InvalidArgument($"substitutions[{i}].to", $"'{to}' has no price in the lists used; name a priced model");
            }

            if (!map.TryAdd(from, to))
            {
                throw MeshErrors.InvalidArgument($"substitutions[{i}].from", $"'{from}' is substituted twice");
            }
        }

        return map;
    }

    private static string Describe(ReplayRequest request, PriceCatalog? scenario, Dictionary<string, string> substitutions)
    {
        var prices = scenario is null ? "the lists in force" : request.PriceListVersion.Length > 0 ? $"price list {scenario.Version}" : "the given price list";
        return substitutions.Count == 0 ? $"priced with {prices}" : $"priced with {prices}, {string.Join(", ", substitutions.Select(s => $"{s.Key} billed as {s.Value}"))}";
    }

    private static ReplayRow Row(Sum sum)
    {
        var row = new ReplayRow
        {
            Events = sum.Events,
            BilledUsd = AnalyticsService.FormatCost(sum.Billed),
            BaselineUsd = AnalyticsService.FormatCost(sum.Baseline),
            ScenarioUsd = AnalyticsService.FormatCost(sum.Scenario),
            DifferenceUsd = AnalyticsService.FormatCost(sum.Scenario - sum.Baseline),
        };
        row.Keys.AddRange(sum.Keys);
        return row;
    }

    private sealed record Use(string Resource, string Priced, string Version, string DeviceClass, long Tier, long Events, long Input, long Cached, long Output, long ComputeUs);

    private sealed class Sum(string[] keys)
    {
        public string[] Keys { get; } = keys;

        public long Events { get; set; }

        public decimal Billed { get; set; }

        public decimal Baseline { get; set; }

        public decimal Scenario { get; set; }
    }
}
