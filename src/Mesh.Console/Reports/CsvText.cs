using System.Text;

namespace Mesh.Console.Reports;

/// <summary>
/// CSV as RFC 4180 writes it: fields with commas, quotes or line breaks quoted, quotes doubled.
/// A text field that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at its
/// start) gets a leading apostrophe, since keys such as principal ids are chosen by users.
/// </summary>
public sealed class CsvText
{
    private readonly StringBuilder _text = new();

    public void Line(IEnumerable<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _text.AppendJoin(',', fields.Select(Field)).Append("\r\n");
    }

    public override string ToString() => _text.ToString();

    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal) && !IsNumber(value))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static bool IsNumber(string value) =>
        decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _);
}
