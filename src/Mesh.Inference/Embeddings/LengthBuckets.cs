namespace Mesh.Inference.Embeddings;

/// <summary>
/// Splits the rows taken for one batch into runs of similar length, so short inputs are not
/// padded to a long one: rows sorted by length, and a new run starts where a row is more than
/// twice as long as the shortest of the current run and at least 16 tokens longer. A run
/// costs roughly rows × longest row, so this bounds the padding to about half of each run.
/// </summary>
public static class LengthBuckets
{
    public const int MinimumGap = 16;

    public static List<List<T>> Split<T>(IEnumerable<T> rows, Func<T, int> length)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(length);
        var buckets = new List<List<T>>();
        List<T>? current = null;
        var shortest = 0;
        foreach (var row in rows.OrderBy(length))
        {
            var size = length(row);
            if (current is null || (size > 2 * shortest && size - shortest >= MinimumGap))
            {
                current = [];
                buckets.Add(current);
                shortest = size;
            }

            current.Add(row);
        }

        return buckets;
    }
}
