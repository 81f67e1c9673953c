using System.Globalization;

namespace Mesh.Tools.Registry;

/// <summary>Orders versions numerically part by part (1.10.0 after 1.9.0); non-numeric parts ordinally.</summary>
public sealed class ToolVersionComparer : IComparer<string>
{
    public static ToolVersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var left = (x ?? "").Split('.', '-', '+');
        var right = (y ?? "").Split('.', '-', '+');
        for (var i = 0; i < Math.Max(left.Length, right.Length); i++)
        {
            var a = i < left.Length ? left[i] : "0";
            var b = i < right.Length ? right[i] : "0";
            var order = long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var na)
                && long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var nb)
                ? na.CompareTo(nb)
                : string.CompareOrdinal(a, b);
            if (order != 0)
            {
                return order;
            }
        }

        return 0;
    }
}
