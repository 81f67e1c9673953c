using System.Text;

namespace Mesh.Telemetry.Analytics.Sql;

/// <summary>
/// Admits a tenant's query only when it is one SELECT whose every table is one of the tenant's
/// views (<c>usage_events</c>, <c>runs</c>, <c>prices</c>, <c>vrio_capabilities</c>, <c>vrio_indicators</c>), possibly in subqueries or UNIONs, and
/// whose every function is on an allow-list (so nothing reads files, URLs, settings or other
/// databases), then rewrites each view name into the subquery that reads only that tenant's rows.
/// The engines add their own guards on top: DuckDB runs without external access, ClickHouse with
/// <c>readonly=1</c> and a time limit.
/// </summary>
public static class SqlGuard
{
    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "insert", "update", "delete", "create", "drop", "alter", "attach", "detach", "copy", "export", "import", "install",
        "load", "pragma", "set", "settings", "format", "into", "call", "grant", "revoke", "system", "kill", "optimize",
        "rename", "truncate", "use", "show", "describe", "explain", "checkpoint", "vacuum", "begin", "commit", "rollback",
        "execute", "prepare", "deallocate", "outfile", "infile", "summarize", "replace", "merge", "upsert", "with", "function",
    };

    private static readonly HashSet<string> Syntax = new(StringComparer.OrdinalIgnoreCase)
    {
        "select", "from", "where", "and", "or", "not", "in", "exists", "as", "on", "using", "join", "over", "filter", "all",
        "case", "when", "then", "else", "end", "is", "null", "like", "ilike", "between", "distinct", "group", "by", "order",
        "having", "limit", "offset", "union", "except", "intersect", "interval", "cast", "any", "some", "array", "values",
    };

    private static readonly HashSet<string> EndsFrom = new(StringComparer.OrdinalIgnoreCase)
    {
        "where", "group", "order", "having", "limit", "offset", "union", "except", "intersect", "on", "using", "window",
        "qualify", "prewhere", "sample", "final",
    };

    private static readonly HashSet<string> JoinWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "join", "left", "right", "inner", "outer", "full", "cross", "natural", "semi", "anti", "asof", "positional", "global", "any", "all", "array",
    };

    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        "count", "sum", "avg", "min", "max", "round", "floor", "ceil", "ceiling", "abs", "sqrt", "ln", "log", "log2", "log10", "exp", "power", "pow",
        "coalesce", "ifnull", "nullif", "if", "multiif", "greatest", "least", "lower", "upper", "length", "substring", "substr", "concat",
        "trim", "ltrim", "rtrim", "replace", "starts_with", "startswith", "ends_with", "endswith", "position", "strpos",
        "cast", "date_trunc", "datetrunc", "tostartofminute", "tostartofhour", "tostartofday", "tostartofweek", "tostartofmonth", "tomonday",
        "todate", "todatetime", "toyear", "tomonth", "tohour", "year", "month", "day", "hour", "minute", "second", "strftime", "epoch",
        "extract", "date_part", "datepart", "now", "today", "current_date", "current_timestamp",
        "tostring", "toint64", "tofloat64", "todecimal64", "tointeger",
        "quantile", "quantiles", "quantileexact", "quantile_cont", "quantile_disc", "median", "approx_quantile",
        "uniq", "uniqexact", "approx_count_distinct", "countif", "sumif", "avgif", "minif", "maxif",
        "argmax", "argmin", "arg_max", "arg_min", "any_value", "first", "last", "anylast", "stddev", "stddev_pop", "stddev_samp",
        "stddevpop", "stddevsamp", "variance", "var_pop", "varpop", "string_agg", "grouparray", "list", "array_agg", "bool_or", "bool_and",
        "json_extract_string", "visitparamextractstring", "divide", "intdiv", "modulo", "mod", "sign", "isnull", "isnotnull",
    };

    /// <summary>The views a tenant may read, by name.</summary>
    public static IReadOnlyCollection<string> Views { get; } = ["usage_events", "runs", "prices", VrioViews.Capabilities, VrioViews.Indicators];

    /// <summary>The query with each view replaced by its tenant-scoped subquery; throws <see cref="SqlRefusedException"/> otherwise.</summary>
    public static string Rewrite(string sql, Func<string, string> view)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(view);
        if (sql.Length > 20_000)
        {
            throw new SqlRefusedException(SqlRefusal.Syntax, "the query is longer than 20000 characters");
        }

        var tokens = SqlTokenizer.Tokenize(sql);
        if (tokens.Count == 0 || !tokens[0].IsWord("select"))
        {
            throw new SqlRefusedException(SqlRefusal.Syntax, "send one SELECT statement (it must start with SELECT)");
        }

        var replacements = new List<(int Start, int Length, string Text)>();
        var inFrom = new Stack<bool>();
        inFrom.Push(false);
        var expectTable = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var next = i + 1 < tokens.Count ? tokens[i + 1] : null;
            if (expectTable)
            {
                expectTable = false;
                if (token.IsSymbol("("))
                {
                    inFrom.Push(false);
                    continue;
                }

                if (token.Kind != SqlTokenKind.Word || !Views.Contains(token.Text.ToLowerInvariant()) || next is not null && (next.IsSymbol(".") || next.IsSymbol("(")))
                {
                    var name = token.Kind is SqlTokenKind.Word or SqlTokenKind.QuotedName ? token.Text + (next?.IsSymbol(".") == true ? "." + (i + 2 < tokens.Count ? tokens[i + 2].Text : "") : "") : token.Text;
                    throw new SqlRefusedException(SqlRefusal.Access, $"'{name}' is not a table you may read; query {string.Join(", ", Views)} (your tenant's rows only)");
                }

                var aliased = next is not null && next.Kind == SqlTokenKind.Word && !EndsFrom.Contains(next.Text) && !JoinWords.Contains(next.Text) && !Syntax.Contains(next.Text) || next?.IsWord("as") == true;
                var name2 = token.Text.ToLowerInvariant();
                replacements.Add((token.Start, token.Text.Length, "(" + view(name2) + ")" + (aliased ? "" : " AS " + name2)));
                continue;
            }

            switch (token.Kind)
            {
                case SqlTokenKind.Word when Forbidden.Contains(token.Text):
                    throw new SqlRefusedException(SqlRefusal.Access, $"only a read-only SELECT over {string.Join(", ", Views)} is allowed; '{token.Text}' is not");
                case SqlTokenKind.Word when token.IsWord("from") || token.IsWord("join"):
                    expectTable = true;
                    inFrom.Pop();
                    inFrom.Push(true);
                    break;
                case SqlTokenKind.Word when EndsFrom.Contains(token.Text):
                    inFrom.Pop();
                    inFrom.Push(false);
                    break;
                case SqlTokenKind.Word when next?.IsSymbol("(") == true && !Syntax.Contains(token.Text) && !Functions.Contains(token.Text):
                    throw new SqlRefusedException(SqlRefusal.Access, $"the function '{token.Text}' is not allowed; aggregates, arithmetic, string and date functions are");
                case SqlTokenKind.Symbol when token.Text == "(":
                    inFrom.Push(false);
                    break;
                case SqlTokenKind.Symbol when token.Text == ")":
                    if (inFrom.Count == 1)
                    {
                        throw new SqlRefusedException(SqlRefusal.Syntax, $"unbalanced ')' at character {token.Start + 1}");
                    }

                    inFrom.Pop();
                    break;
                case SqlTokenKind.Symbol when token.Text == "," && inFrom.Peek():
                    expectTable = true;
                    break;
            }
        }

        if (expectTable)
        {
            throw new SqlRefusedException(SqlRefusal.Syntax, "the query ends where a table was expected");
        }

        if (inFrom.Count != 1)
        {
            throw new SqlRefusedException(SqlRefusal.Syntax, "unbalanced '(': close every parenthesis");
        }

        var text = new StringBuilder(sql);
        foreach (var (start, length, replacement) in replacements.OrderByDescending(r => r.Start))
        {
            text.Remove(start, length).Insert(start, replacement);
        }

        var result = text.ToString().TrimEnd();
        return result.EndsWith(';') ? result[..^1] : result;
    }
}
