using System.Globalization;

namespace Mesh.Console.Reports;

/// <summary>Telemetry's exact decimal USD strings, added and shown without losing a digit.</summary>
public static class Money
{
    public static decimal Parse(string? usd) =>
        decimal.TryParse(usd, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : 0m;

    /// <summary>Nine fractional digits, as telemetry reports cost.</summary>
    public static string Exact(decimal usd) => usd.ToString("0.000000000", CultureInfo.InvariantCulture);

    /// <summary>For people: dollars with enough digits to see small costs.</summary>
    public static string Show(string? usd) => Show(Parse(usd));

    public static string Show(decimal usd) => usd switch
    {
        0m => "$0",
        >= 100m or <= -100m => usd.ToString("$#,0.00", CultureInfo.InvariantCulture),
        >= 0.01m or <= -0.01m => usd.ToString("$0.0000", CultureInfo.InvariantCulture),
        _ => "$" + usd.ToString("0.#########", CultureInfo.InvariantCulture),
    };
}
