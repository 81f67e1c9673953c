namespace Mesh.Telemetry.Storage;

/// <summary>
/// What differs between the SQL engines usage is stored in. Values always travel as
/// parameters or as literals the dialect escapes itself; never as text pasted into SQL.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>The text that stands for the parameter at <paramref name="ordinal"/> (1-based) holding <paramref name="value"/>.</summary>
    public abstract string Parameter(int ordinal, object value);

    /// <summary>An expression converting an integer sum to a 64-bit integer.</summary>
    public abstract string ToInt64(string expression);
}

/// <summary>DuckDB: positional <c>$n</c> parameters.</summary>
public sealed class DuckDbDialect : SqlDialect
{
    public static DuckDbDialect Instance { get; } = new();

    public override string Parameter(int ordinal, object value) => $"${ordinal}";

    public override string ToInt64(string expression) => $"CAST({expression} AS BIGINT)";
}

/// <summary>A statement and the values of its parameters, in order.</summary>
public sealed record SqlStatement(string Text, IReadOnlyList<object> Parameters);
