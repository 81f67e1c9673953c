namespace Mesh.Telemetry.Storage;

/// <summary>
/// What differs between the SQL engines usage is stored in. Values always travel as
/// parameters or as literals the dialect escapes itself; never as text pasted into SQL.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>The text that stands for <paramref name="value"/>: a placeholder added to <paramref name="parameters"/>, or an escaped literal.</summary>
    public abstract string Bind(List<object> parameters, object value);

    /// <summary>An expression converting an integer expression to a 64-bit integer.</summary>
    public abstract string ToInt64(string expression);

    /// <summary>What a query reads the events from.</summary>
    public virtual string EventsSource => UsageSql.Table;

    /// <summary>
    /// What analytics (metrics, ledger, replay, tenant SQL) read the events from: the events
    /// without the collapse of not-yet-merged copies, which only the rare race described in
    /// ClickHouseSchema can leave (the same caveat as the roll-ups), at a fraction of the cost.
    /// </summary>
    public virtual string AnalyticsSource => UsageSql.Table;

    /// <summary>Appended to GROUP BY when the engine returns the totals of every group with the grouped rows.</summary>
    public virtual string GroupTotals => "";

    /// <summary>The condition that an event occurred in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public virtual string TimeWindow(List<object> parameters, DateTime from, DateTime to) =>
        $"occurred_at >= {Bind(parameters, from)} AND occurred_at < {Bind(parameters, to)}";

    /// <summary>The engine's name: duckdb or clickhouse.</summary>
    public abstract string Name { get; }

    /// <summary>The hourly roll-up of usage, or null where the engine keeps none.</summary>
    public virtual string? HourlyRollup => null;

    /// <summary>A table of this database by its plain name.</summary>
    public virtual string Table(string name) => name;

    /// <summary>Whole seconds since the Unix epoch of a timestamp column (floored), as a 64-bit integer.</summary>
    public abstract string EpochSeconds(string column);

    /// <summary>The columns that hold when an event occurred.</summary>
    public virtual string OccurredColumns => "occurred_at";

    /// <summary>Microseconds since the Unix epoch of an event's <c>occurred_at</c>.</summary>
    public abstract string OccurredMicros { get; }

    /// <summary>Seconds since the Unix epoch of the first day of the month of a timestamp column.</summary>
    public abstract string MonthStart(string column);

    /// <summary>The natural logarithm.</summary>
    public abstract string Ln(string expression);

    /// <summary>
    /// Select-list items that turn each row into one row per (measure, value) pair, named
    /// <c>m</c> and <c>h</c>: one scan feeds every measure.
    /// </summary>
    public abstract string Explode(IReadOnlyList<(string Measure, string Value)> pairs);

    /// <summary>Integer division of two non-negative integer expressions.</summary>
    public abstract string IntDiv(string dividend, string divisor);

    /// <summary>An expression as a decimal wide enough to sum any number of costs.</summary>
    public abstract string ToWideDecimal(string expression);

    /// <summary>The value of attribute <paramref name="key"/> (a checked plain key) of an event's JSON attributes; empty when absent.</summary>
    public abstract string Attribute(string key);

    /// <summary>A device's class: its name before any <c>:</c>, lower case.</summary>
    public abstract string DeviceClass(string column);

    /// <summary>A timestamp literal or parameter, whole seconds.</summary>
    public abstract string Time(List<object> parameters, DateTime utc);

    /// <summary>The exact quantile <paramref name="q"/> (an element of the group) of a numeric expression.</summary>
    public abstract string Quantile(string expression, double q);

    /// <summary>The condition that an event occurred at or after <paramref name="utc"/> (to the microsecond).</summary>
    public virtual string OccurredAtOrAfter(List<object> parameters, DateTime utc) => $"occurred_at >= {Bind(parameters, utc)}";

    /// <summary>A non-negative decimal amount (at most nine fractional digits) written as text, as DECIMAL(18,9); empty text is 0.</summary>
    public abstract string UsdFromText(string text);

    /// <summary>A numeric expression as a 64-bit float.</summary>
    public abstract string ToDouble(string expression);

    /// <summary>The string member <paramref name="key"/> (a checked plain key) of a JSON object in <paramref name="column"/>; empty when absent.</summary>
    public abstract string JsonText(string column, string key);

    /// <summary>The numeric member <paramref name="key"/> of a JSON object in <paramref name="column"/>; 0 when absent.</summary>
    public abstract string JsonNumber(string column, string key);

    /// <summary>The value of <paramref name="value"/> on the row of the group where <paramref name="by"/> is largest.</summary>
    public abstract string ArgMax(string value, string by);

    /// <summary>The UTC date of a timestamp column.</summary>
    public abstract string Date(string column);

    /// <summary>
    /// Where the engine can carry a run's parts in arrays: <paramref name="parts"/> (one row per run and capability: w, run_id,
    /// k, resource, resource_version, cn) grouped per (w, run_id) with the arrays ks, rs, vs and cns of those columns and the
    /// aggregates <paramref name="aggregates"/>; null where it cannot (the parts are then joined back to their run).
    /// </summary>
    public virtual string? PartsPerRun(string parts, string aggregates) => null;

    /// <summary>The rows of <paramref name="query"/> (carrying the arrays of <see cref="PartsPerRun"/>) once per part: <paramref name="columns"/>, k, resource, resource_version and cn.</summary>
    public virtual string EachPart(string query, string columns) => throw new NotSupportedException($"{Name} does not group parts per run");

    /// <summary>An event's USD amount (a DECIMAL(18,9) column) as a 64-bit integer of nano-USD, exact for amounts under $1,000,000.</summary>
    public abstract string Nanos(string column);

    /// <summary>A whole-valued numeric expression as an exact 128-bit integer whose sums and products are exact (an error on overflow, never a rounding).</summary>
    public abstract string ToExactInteger(string expression);

    /// <summary>The quotient of two non-negative exact integers (<see cref="ToExactInteger"/>), truncated, as an exact integer.</summary>
    public abstract string ExactDiv(string dividend, string divisor);

    /// <summary>A timestamp literal, whole seconds (for statements without parameters).</summary>
    public abstract string TimeLiteral(DateTime utc);

    /// <summary>The start of the UTC day of a timestamp column, as a timestamp.</summary>
    public abstract string DayStart(string column);

    /// <summary>
    /// An event's ingest mark, a 64-bit integer that grows with ingestion: the batch sequence in
    /// DuckDB, the second <c>ingested_at</c> in ClickHouse. The roll-up compactor records the mark
    /// it compacted up to.
    /// </summary>
    public abstract string IngestMark { get; }

    /// <summary>Whether several writes can be one transaction (DuckDB), so a compaction replaces roll-up rows in place.</summary>
    public virtual bool TransactionalWrites => true;

    /// <summary>Whether the engine filters a few columns first and reads the rest only for matching rows (ClickHouse's PREWHERE).</summary>
    public virtual bool HasPrewhere => false;

    /// <summary>The clause that filters by <paramref name="condition"/> before reading other columns; empty where the engine has none.</summary>
    public virtual string Prewhere(string condition) => "";

    /// <summary>What the compactor aggregates: the events with copies collapsed.</summary>
    public virtual string CompactionSource => EventsSource;

    /// <summary>
    /// The condition that a roll-up row belongs to the latest finished compaction of its day, for
    /// engines that keep superseded rows until a cleanup (empty where a compaction replaces them).
    /// </summary>
    public virtual string LiveRollupRows => "";
}

/// <summary>DuckDB: positional <c>$n</c> parameters.</summary>
public sealed class DuckDbDialect : SqlDialect
{
    public static DuckDbDialect Instance { get; } = new();

    public override string Bind(List<object> parameters, object value)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Add(value);
        return $"${parameters.Count}";
    }

    public override string ToInt64(string expression) => $"CAST({expression} AS BIGINT)";

    public override string Name => "duckdb";

    public override string HourlyRollup => DuckDbSchema.HourlyTable;

    public override string EpochSeconds(string column) => $"(epoch_us({column}) // 1000000)";

    public override string OccurredMicros => "epoch_us(occurred_at)";

    public override string MonthStart(string column) => $"(epoch_us(date_trunc('month', {column})) // 1000000)";

    public override string Ln(string expression) => $"ln({expression})";

    public override string IntDiv(string dividend, string divisor) => $"(({dividend}) // ({divisor}))";

    // Several unnests in one select list advance together.
    public override string Explode(IReadOnlyList<(string Measure, string Value)> pairs) =>
        $"unnest([{string.Join(", ", pairs.Select(p => p.Measure))}]) AS m, unnest([{string.Join(", ", pairs.Select(p => p.Value))}]) AS h";

    public override string ToWideDecimal(string expression) => $"CAST({expression} AS DECIMAL(38,9))";

    public override string Attribute(string key) => "COALESCE(json_extract_string(attributes, '$.\"" + key + "\"'), '')";

    public override string DeviceClass(string column) => $"lower(split_part({column}, ':', 1))";

    public override string Time(List<object> parameters, DateTime utc) => Bind(parameters, utc);

    public override string Quantile(string expression, double q) => $"quantile_disc({expression}, {q.ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    public override string ToDouble(string expression) => $"CAST({expression} AS DOUBLE)";

    public override string JsonText(string column, string key) => $"COALESCE(json_extract_string({column}, '$.\"{key}\"'), '')";

    public override string JsonNumber(string column, string key) => $"COALESCE(CAST(json_extract({column}, '$.\"{key}\"') AS DOUBLE), 0)";

    public override string ArgMax(string value, string by) => $"arg_max({value}, {by})";

    public override string Date(string column) => $"CAST({column} AS DATE)";

    public override string ToExactInteger(string expression) => $"CAST({expression} AS HUGEINT)";

    // Through a double: a DECIMAL(18,9) to an integer goes through a 128-bit division here, several times slower;
    // the double of an amount under $1M is within a quarter nano-USD, so the rounding is exact.
    public override string Nanos(string column) => $"CAST(round(CAST({column} AS DOUBLE) * 1000000000) AS BIGINT)";

    public override string ExactDiv(string dividend, string divisor) => $"(({dividend}) // ({divisor}))";

    public override string DayStart(string column) => $"date_trunc('day', {column})";

    public override string TimeLiteral(DateTime utc) => $"TIMESTAMP '{utc.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}'";

    public override string IngestMark => "ingest_seq";

    // Text to DECIMAL(18,9) is several times faster than to DECIMAL(38,9) in DuckDB.
    public override string UsdFromText(string text) => $"CAST('0' || {text} AS DECIMAL(18,9))";
}

/// <summary>A statement and the values of its parameters, in order.</summary>
public sealed record SqlStatement(string Text, IReadOnlyList<object> Parameters);
