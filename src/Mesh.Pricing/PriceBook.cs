namespace Mesh.Pricing;

/// <summary>
/// Every price list with its effective date: the list in force at a moment is the one with the
/// latest <see cref="DatedPriceList.EffectiveFrom"/> at or before it. Immutable.
/// </summary>
public sealed class PriceBook
{
    private readonly DatedPriceList[] _lists;
    private readonly long[] _starts;

    public PriceBook(IEnumerable<DatedPriceList> lists)
    {
        ArgumentNullException.ThrowIfNull(lists);
        _lists = [.. lists.OrderBy(l => l.EffectiveFrom)];
        _starts = [.. _lists.Select(l => l.EffectiveFrom.Ticks)];
    }

    public static PriceBook Empty { get; } = new([]);

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<DatedPriceList> Lists => _lists;

    /// <summary>The list in force at <paramref name="at"/> (UTC), or null before the first one.</summary>
    public DatedPriceList? InForce(DateTime at)
    {
        var index = Array.BinarySearch(_starts, at.Ticks);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index < 0 ? null : _lists[index];
    }

    /// <summary>The list named <paramref name="version"/>, or null.</summary>
    public DatedPriceList? Find(string version) =>
        Array.Find(_lists, l => string.Equals(l.Version, version, StringComparison.Ordinal));

    /// <summary>When the list after <paramref name="list"/> took over, or null for the latest.</summary>
    public DateTime? EffectiveUntil(DatedPriceList list)
    {
        var index = Array.IndexOf(_lists, list);
        return index >= 0 && index + 1 < _lists.Length ? _lists[index + 1].EffectiveFrom : null;
    }
}
