namespace Mesh.Telemetry.Analytics.Sql;

public enum SqlTokenKind
{
    Word,
    QuotedName,
    String,
    Number,
    Symbol,
}

/// <summary>A token of a tenant's query, with its place in the text.</summary>
public sealed record SqlToken(SqlTokenKind Kind, string Text, int Start)
{
    public bool IsWord(string word) => Kind == SqlTokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string symbol) => Kind == SqlTokenKind.Symbol && Text == symbol;
}
