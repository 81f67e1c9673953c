namespace Mesh.Telemetry.Analytics.Sql;

/// <summary>
/// Splits a query into tokens the same way DuckDB and ClickHouse would, refusing what the two
/// could read differently (backslashes in strings) or what hides text (comments).
/// </summary>
public static class SqlTokenizer
{
    private const string Symbols = "(),.*+-/%<>=!|:[]";

    public static IReadOnlyList<SqlToken> Tokenize(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1) == '-' || c == '/' && At(sql, i + 1) == '*' || c == '#')
            {
                throw new SqlRefusedException(SqlRefusal.Syntax, $"comments are not allowed (at character {i + 1}); send the query without them");
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Word, sql[start..i], start));
            }
            else if (char.IsDigit(c))
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '.' || ((sql[i] == '+' || sql[i] == '-') && (sql[i - 1] == 'e' || sql[i - 1] == 'E'))))
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Number, sql[start..i], start));
            }
            else if (c == '\'')
            {
                var start = i;
                i++;
                while (true)
                {
                    if (i >= sql.Length)
                    {
                        throw new SqlRefusedException(SqlRefusal.Syntax, $"the string starting at character {start + 1} is not closed");
                    }

                    if (sql[i] == '\\')
                    {
                        throw new SqlRefusedException(SqlRefusal.Syntax, $"backslashes are not allowed in strings (at character {i + 1}); the engines read them differently");
                    }

                    if (sql[i] == '\'' && At(sql, i + 1) == '\'')
                    {
                        i += 2;
                        continue;
                    }

                    if (sql[i] == '\'')
                    {
                        i++;
                        break;
                    }

                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.String, sql[start..i], start));
            }
            else if (c is '"' or '`')
            {
                var start = i;
                var end = sql.IndexOf(c, i + 1);
                if (end < 0 || sql.AsSpan(i + 1, end - i - 1).IndexOfAny('\\', '"', '`') >= 0)
                {
                    throw new SqlRefusedException(SqlRefusal.Syntax, $"the quoted name at character {start + 1} is not closed or contains quotes or backslashes");
                }

                tokens.Add(new SqlToken(SqlTokenKind.QuotedName, sql[(i + 1)..end], start));
                i = end + 1;
            }
            else if (c == ';')
            {
                if (sql[(i + 1)..].Trim().Length > 0)
                {
                    throw new SqlRefusedException(SqlRefusal.Syntax, $"only one statement is allowed; remove what follows the ';' at character {i + 1}");
                }

                i = sql.Length;
            }
            else if (Symbols.Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(new SqlToken(SqlTokenKind.Symbol, c.ToString(), i));
                i++;
            }
            else
            {
                throw new SqlRefusedException(SqlRefusal.Syntax, $"'{c}' (at character {i + 1}) is not allowed in a query");
            }
        }

        return tokens;
    }

    private static char At(string text, int index) => index < text.Length ? text[index] : '\0';
}

public enum SqlRefusal
{
    /// <summary>Not a single well-formed SELECT: InvalidArgument.</summary>
    Syntax,

    /// <summary>Reaches outside the tenant's views: PermissionDenied.</summary>
    Access,
}

/// <summary>A tenant's query that is not a single read-only SELECT over its views.</summary>
public sealed class SqlRefusedException(SqlRefusal reason, string message) : Exception(message)
{
    public SqlRefusal Reason { get; } = reason;
}
