using System.Globalization;
using Mesh.Pricing;

namespace Mesh.Telemetry.Storage;

/// <summary>The price list table both stores keep, and how its rows map to lists.</summary>
public static class PriceListSql
{
    public const string Table = "price_lists";

    public const string Columns =
        "version, effective_from, created_at, created_by, description, resource, resource_version, device_class, "
        + "min_input_tokens, input_per_million, output_per_million, cached_per_million, per_call, per_compute_second";

    /// <summary>Every row, times as epoch seconds, in insertion-independent order.</summary>
    public static SqlStatement SelectAll(SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return new SqlStatement(
            $"SELECT version, {dialect.EpochSeconds("effective_from")}, {dialect.EpochSeconds("created_at")}, created_by, description, resource, resource_version, device_class, "
            + "min_input_tokens, input_per_million, output_per_million, cached_per_million, per_call, per_compute_second "
            + $"FROM {dialect.Table(Table)} ORDER BY effective_from, version, resource, resource_version, device_class, min_input_tokens",
            []);
    }

    /// <summary>One INSERT of every line of <paramref name="list"/> (one block in ClickHouse, so it lands whole).</summary>
    public static SqlStatement Insert(SqlDialect dialect, DatedPriceList list)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(list);
        var parameters = new List<object>();
        var rows = list.Catalog.Entries.Select(e => "(" + string.Join(", ",
            dialect.Bind(parameters, list.Version),
            dialect.Time(parameters, list.EffectiveFrom),
            dialect.Time(parameters, list.CreatedAt),
            dialect.Bind(parameters, list.CreatedBy),
            dialect.Bind(parameters, list.Description),
            dialect.Bind(parameters, e.Resource),
            dialect.Bind(parameters, e.ResourceVersion),
            dialect.Bind(parameters, e.DeviceClass),
            dialect.Bind(parameters, e.MinInputTokens),
            Price(e.InputPerMillionTokens),
            Price(e.OutputPerMillionTokens),
            e.CachedPerMillionTokens is { } cached ? Price(cached) : "NULL",
            Price(e.PerCall),
            Price(e.PerComputeSecond)) + ")");
        return new SqlStatement($"INSERT INTO {dialect.Table(Table)} ({Columns}) VALUES {string.Join(", ", rows)}", parameters);
    }

    /// <summary>The lists in rows read by <see cref="SelectAll"/>.</summary>
    public static IReadOnlyList<DatedPriceList> Lists(IReadOnlyList<string?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [.. rows.GroupBy(r => r[0]!, StringComparer.Ordinal).Select(g =>
        {
            var first = g.First();
            return new DatedPriceList
            {
                Catalog = new PriceCatalog(g.Key, g.Select(Entry)),
                EffectiveFrom = DateTime.UnixEpoch.AddSeconds(long.Parse(first[1]!, CultureInfo.InvariantCulture)),
                CreatedAt = DateTime.UnixEpoch.AddSeconds(long.Parse(first[2]!, CultureInfo.InvariantCulture)),
                CreatedBy = first[3] ?? "",
                Description = first[4] ?? "",
            };
        })];
    }

    private static PriceEntry Entry(string?[] row) => new()
    {
        Resource = row[5]!,
        ResourceVersion = row[6] ?? "",
        DeviceClass = row[7] ?? "",
        MinInputTokens = long.Parse(row[8]!, CultureInfo.InvariantCulture),
        InputPerMillionTokens = Decimal(row[9])!.Value,
        OutputPerMillionTokens = Decimal(row[10])!.Value,
        CachedPerMillionTokens = Decimal(row[11]),
        PerCall = Decimal(row[12])!.Value,
        PerComputeSecond = Decimal(row[13])!.Value,
    };

    private static decimal? Decimal(string? text) =>
        text is null ? null : decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) / 1.000000000000000000000000000000000m;

    // A validated price (at most 9 fractional digits) as a plain decimal literal, which both engines read exactly.
    private static string Price(decimal value) => value.ToString("0.#########", CultureInfo.InvariantCulture);
}
