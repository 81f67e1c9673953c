using System.Globalization;
using System.Text;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// ClickHouse, in the subset shared by 18.16 and current servers. 18.16 has no server-side
/// query parameters, so values become literals escaped here, and only here.
/// </summary>
public sealed class ClickHouseDialect(string database) : SqlDialect
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    public string Database { get; } = ClickHouseSchema.CheckIdentifier(database);

    /// <summary>
    /// FINAL collapses rows that share an event id, should two writers ever have stored the
    /// same event (see <see cref="ClickHouseSchema"/>): a report never counts an event twice.
    /// </summary>
    public override string EventsSource => $"{Database}.{UsageSql.Table} FINAL";

    public override string AnalyticsSource => $"{Database}.{UsageSql.Table}";

    public override string GroupTotals => " WITH TOTALS";

    public override string Bind(List<object> parameters, object value) => Literal(value);

    public override string ToInt64(string expression) => $"toInt64({expression})";

    public override string Name => "clickhouse";

    public override string HourlyRollup => $"{Database}.{ClickHouseSchema.HourlyTable}";

    public override string Table(string name) => $"{Database}.{name}";

    public override string EpochSeconds(string column) => $"toInt64(toUInt32({column}))";

    public override string OccurredColumns => "occurred_at, occurred_us";

    public override string OccurredMicros => "(toInt64(toUInt32(occurred_at)) * 1000000 + occurred_us)";

    // toStartOfMonth gives a Date; as a number it is days since the epoch.
    public override string MonthStart(string column) => $"(toInt64(toUInt32(toStartOfMonth({column}))) * 86400)";

    public override string Ln(string expression) => $"log({expression})";

    public override string IntDiv(string dividend, string divisor) => $"intDiv({dividend}, {divisor})";

    // One arrayJoin, aliased, so the two elements come from the same joined row.
    public override string Explode(IReadOnlyList<(string Measure, string Value)> pairs) =>
        $"arrayJoin([{string.Join(", ", pairs.Select(p => $"tuple({p.Measure}, {p.Value})"))}]) AS mh, tupleElement(mh, 1) AS m, tupleElement(mh, 2) AS h";

    public override string ToWideDecimal(string expression) => $"toDecimal128({expression}, 9)";

    public override string Attribute(string key) => $"visitParamExtractString(attributes, '{key}')";

    public override string DeviceClass(string column) => $"lower(splitByChar(':', {column})[1])";

    public override string Quantile(string expression, double q) => $"quantileExact({q.ToString(CultureInfo.InvariantCulture)})({expression})";

    public override string ToDouble(string expression) => $"toFloat64({expression})";

    // visitParam* read "key":value with nothing between; protobuf's JSON puts a space after the colon.
    public override string JsonText(string column, string key) => $"visitParamExtractString(replaceAll({column}, '\": ', '\":'), '{key}')";

    public override string JsonNumber(string column, string key) => $"visitParamExtractFloat(replaceAll({column}, '\": ', '\":'), '{key}')";

    public override string ArgMax(string value, string by) => $"argMax({value}, {by})";

    public override string Date(string column) => $"toDate({column})";

    // 18.16 has no Int128: Decimal128 of scale 0 is its exact 128-bit integer (products checked for overflow, quotients truncated).
    public override string ToExactInteger(string expression) => $"toDecimal128({expression}, 0)";

    public override string ExactDiv(string dividend, string divisor) => $"(({dividend}) / ({divisor}))";

    public override string? PartsPerRun(string parts, string aggregates) =>
        $"SELECT w, run_id, groupArray(k) AS ks, groupArray(resource) AS rs, groupArray(resource_version) AS vs, groupArray(cn) AS cns, {aggregates} "
        + $"FROM ({parts}) AS p0 GROUP BY w, run_id";

    public override string EachPart(string query, string columns) =>
        $"SELECT {columns}, k, resource, resource_version, cn FROM ({query}) AS q ARRAY JOIN ks AS k, rs AS resource, vs AS resource_version, cns AS cn";

    public override string Nanos(string column) => $"toInt64(toDecimal128({column}, 9) * 1000000000)";

    public override string DayStart(string column) => $"toStartOfDay({column})";

    public override string TimeLiteral(DateTime utc) => Literal(utc);

    /// <summary>The second the inserting telemetry process stamped the batch with.</summary>
    public override string IngestMark => "toInt64(toUInt32(ingested_at))";

    public override bool TransactionalWrites => false;

    // A replay's few tiered or edge events: without it the server moves the (all-matching) time window there and reads every column of the month.
    public override bool HasPrewhere => true;

    public override string Prewhere(string condition) => $" PREWHERE {condition}";

    public override string LiveRollupRows =>
        $" AND (day, batch) IN (SELECT day, max(batch) FROM {Database}.{Rollups.RollupSchema.DaysTable}"
        + $" WHERE batch IN (SELECT batch FROM {Database}.{Rollups.RollupSchema.BatchesTable}) GROUP BY day)";

    public override string UsdFromText(string text) => $"toDecimal64(concat('0', {text}), 9)";

    public override string OccurredAtOrAfter(List<object> parameters, DateTime utc)
    {
        var (second, micros) = Split(utc);
        var at = $"toDateTime({second.ToString(CultureInfo.InvariantCulture)})";
        return $"(occurred_at > {at} OR occurred_at = {at} AND occurred_us >= {micros.ToString(CultureInfo.InvariantCulture)})";
    }

    public override string Time(List<object> parameters, DateTime utc) =>
        $"toDateTime({Split(utc).Seconds.ToString(CultureInfo.InvariantCulture)}, 'UTC')";

    /// <summary>
    /// Events keep whole seconds in <c>occurred_at</c> (DateTime; 18.16 has no DateTime64) and
    /// the microseconds past them in <c>occurred_us</c>, so windows are exact to the microsecond
    /// like DuckDB's. The plain second bounds come first so the primary key narrows the scan.
    /// </summary>
    public override string TimeWindow(List<object> parameters, DateTime from, DateTime to)
    {
        var (fromSecond, fromMicros) = Split(from);
        var (toSecond, toMicros) = Split(to);
        var fromText = $"toDateTime({fromSecond.ToString(CultureInfo.InvariantCulture)})";
        var toText = $"toDateTime({toSecond.ToString(CultureInfo.InvariantCulture)})";
        return $"occurred_at >= {fromText} AND occurred_at <= {toText}"
            + $" AND (occurred_at > {fromText} OR occurred_us >= {fromMicros.ToString(CultureInfo.InvariantCulture)})"
            + $" AND (occurred_at < {toText} OR occurred_us < {toMicros.ToString(CultureInfo.InvariantCulture)})";
    }

    /// <summary>Seconds since the Unix epoch and the microseconds past them (a UTC time, truncated to the microsecond).</summary>
    public static (long Seconds, int Micros) Split(DateTime utc)
    {
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        return (seconds, (int)(rest / TicksPerMicrosecond));
    }

    /// <summary>A ClickHouse literal for a string, integer or UUID.</summary>
    public static string Literal(object value) => value switch
    {
        string text => Quote(text),
        Guid id => Quote(id.ToString()),
        int number => number.ToString(CultureInfo.InvariantCulture),
        long number => number.ToString(CultureInfo.InvariantCulture),
        decimal number => number.ToString(CultureInfo.InvariantCulture),
        DateTime time => $"toDateTime({Split(time).Seconds.ToString(CultureInfo.InvariantCulture)}, 'UTC')",
        _ => throw new ArgumentException($"no ClickHouse literal for a {value?.GetType().Name ?? "null"}", nameof(value)),
    };

    /// <summary>
    /// A single-quoted string literal. ClickHouse reads backslash escapes inside quotes, so the
    /// backslash and the quote are escaped, and so are control characters (NUL included),
    /// which keeps the statement on one line and its text printable.
    /// </summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var quoted = new StringBuilder(text.Length + 2).Append('\'');
        foreach (var c in text)
        {
            _ = c switch
            {
                '\\' => quoted.Append(@"\\"),
                '\'' => quoted.Append(@"\'"),
                '\n' => quoted.Append(@"\n"),
                '\r' => quoted.Append(@"\r"),
                '\t' => quoted.Append(@"\t"),
                '\0' => quoted.Append(@"\0"),
                < ' ' or '\x7f' => quoted.Append(@"\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('\'').ToString();
    }
}
