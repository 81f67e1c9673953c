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

    /// <summary>Appended to GROUP BY when the engine returns the totals of every group with the grouped rows.</summary>
    public virtual string GroupTotals => "";

    /// <summary>The condition that an event occurred in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public virtual string TimeWindow(List<object> parameters, DateTime from, DateTime to) =>
        $"occurred_at >= {Bind(parameters, from)} AND occurred_at < {Bind(parameters, to)}";
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
}

/// <summary>A statement and the values of its parameters, in order.</summary>
public sealed record SqlStatement(string Text, IReadOnlyList<object> Parameters);
