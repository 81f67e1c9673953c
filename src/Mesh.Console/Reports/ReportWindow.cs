using System.Globalization;

namespace Mesh.Console.Reports;

/// <summary>
/// The time window and bucket a report page shows: a named window ending now (1h, 6h, 24h, 7d,
/// 30d) or an explicit <c>from</c>/<c>to</c> (ISO 8601, UTC), cut into buckets of a minute,
/// hour, day, week (from Monday) or month, as telemetry buckets them.
/// </summary>
public sealed record ReportWindow(string Name, DateTimeOffset From, DateTimeOffset To, string Bucket)
{
    public const int MaxBuckets = 1500;

    public static IReadOnlyList<(string Name, string Label, TimeSpan Length, string Bucket)> Windows { get; } =
    [
        ("1h", "last hour", TimeSpan.FromHours(1), "minute"),
        ("6h", "last 6 hours", TimeSpan.FromHours(6), "hour"),
        ("24h", "last 24 hours", TimeSpan.FromHours(24), "hour"),
        ("7d", "last 7 days", TimeSpan.FromDays(7), "day"),
        ("30d", "last 30 days", TimeSpan.FromDays(30), "day"),
    ];

    public static IReadOnlyList<string> Buckets { get; } = ["minute", "hour", "day", "week", "month"];

    /// <summary>The window the query string asks for, or the problem with it (a message for the person).</summary>
    public static (ReportWindow? Window, string? Problem) Parse(string? window, string? from, string? to, string? bucket, TimeProvider time, string defaultWindow = "24h")
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        string name;
        DateTimeOffset start, end;
        string defaultBucket;
        if (!string.IsNullOrEmpty(from) || !string.IsNullOrEmpty(to))
        {
            if (!TryParseInstant(from, out start) || !TryParseInstant(to, out end))
            {
                return (null, "from and to must both be ISO 8601 instants, e.g. 2026-05-01T00:00:00Z");
            }

            if (end <= start)
            {
                return (null, $"to ({Format(end)}) must be after from ({Format(start)})");
            }

            name = "custom";
            var span = end - start;
            defaultBucket = span <= TimeSpan.FromHours(2) ? "minute" : span <= TimeSpan.FromDays(3) ? "hour" : "day";
        }
        else
        {
            var chosen = Windows.FirstOrDefault(w => w.Name == (string.IsNullOrEmpty(window) ? defaultWindow : window));
            if (chosen.Name is null)
            {
                return (null, $"window '{window}' is not one of {string.Join(", ", Windows.Select(w => w.Name))}");
            }

            (name, end, start, defaultBucket) = (chosen.Name, now, now - chosen.Length, chosen.Bucket);
        }

        var size = string.IsNullOrEmpty(bucket) ? defaultBucket : bucket;
        if (!Buckets.Contains(size))
        {
            return (null, $"bucket '{bucket}' is not one of {string.Join(", ", Buckets)}");
        }

        var result = new ReportWindow(name, start, end, size);
        var count = result.BucketStarts().Take(MaxBuckets + 1).Count();
        return count > MaxBuckets
            ? (null, $"{size} buckets over {Describe(end - start)} are more than {MaxBuckets}; choose a larger bucket or a shorter window")
            : (result, null);
    }

    /// <summary>The start of every bucket that overlaps the window, oldest first (UTC).</summary>
    public IEnumerable<DateTimeOffset> BucketStarts()
    {
        for (var at = Floor(From, Bucket); at < To; at = Next(at, Bucket))
        {
            yield return at;
        }
    }

    public string Label(DateTimeOffset bucketStart) => Bucket switch
    {
        "minute" => bucketStart.ToString(To - From > TimeSpan.FromDays(1) ? "MM-dd HH:mm" : "HH:mm", CultureInfo.InvariantCulture),
        "hour" => bucketStart.ToString(To - From > TimeSpan.FromDays(1) ? "MM-dd HH:00" : "HH:00", CultureInfo.InvariantCulture),
        "month" => bucketStart.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        _ => bucketStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    public string Title => Name == "custom"
        ? $"{Format(From)} to {Format(To)}"
        : $"{Windows.First(w => w.Name == Name).Label} ({Format(From)} to {Format(To)})";

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>An instant as the query string carries it (round trip).</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Floor(DateTimeOffset at, string bucket)
    {
        var utc = at.ToUniversalTime();
        return bucket switch
        {
            "minute" => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero),
            "hour" => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero),
            "day" => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
            "week" => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero).AddDays(-(((int)utc.DayOfWeek + 6) % 7)),
            "month" => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "not a bucket"),
        };
    }

    public static DateTimeOffset Next(DateTimeOffset at, string bucket) => bucket switch
    {
        "minute" => at.AddMinutes(1),
        "hour" => at.AddHours(1),
        "day" => at.AddDays(1),
        "week" => at.AddDays(7),
        "month" => at.AddMonths(1),
        _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "not a bucket"),
    };

    private static bool TryParseInstant(string? text, out DateTimeOffset at) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);

    private static string Describe(TimeSpan span) => span.TotalDays >= 1 ? $"{span.TotalDays:0.#} days" : $"{span.TotalHours:0.#} hours";
}
