using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Analytics.Metrics;

/// <summary>A time series bucket: fixed-length (minute, hour, day, week from Monday) or calendar month, in UTC.</summary>
public sealed record TimeBucket(string Name, long Seconds)
{
    public static readonly TimeBucket Minute = new("minute", 60);
    public static readonly TimeBucket Hour = new("hour", 3600);
    public static readonly TimeBucket Day = new("day", 86_400);
    public static readonly TimeBucket Week = new("week", 7 * 86_400);
    public static readonly TimeBucket Month = new("month", 0);

    public static IReadOnlyList<TimeBucket> All { get; } = [Minute, Hour, Day, Week, Month];

    public static TimeBucket? Parse(string name) => All.FirstOrDefault(b => string.Equals(b.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether whole hours make up this bucket (so the hourly roll-up can fill it).</summary>
    public bool CoversHours => this != Minute;

    /// <summary>Whether whole UTC days make up this bucket (so a daily roll-up can fill it).</summary>
    public bool CoversDays => Seconds % 86_400 == 0;

    /// <summary>The bucket start, as epoch seconds, of a timestamp column.</summary>
    public string Sql(SqlDialect dialect, string column)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        var seconds = dialect.EpochSeconds(column);
        return Name switch
        {
            "month" => dialect.MonthStart(column),
            // The Unix epoch was a Thursday: shift by 3 days so weeks start on Monday.
            "week" => $"({dialect.IntDiv($"{seconds} + 259200", "604800")} * 604800 - 259200)",
            _ => $"({dialect.IntDiv(seconds, Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture))} * {Seconds})",
        };
    }

    public DateTime Start(DateTime utc) => Name switch
    {
        "month" => new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc),
        "week" => Floor(utc.AddDays(3), 7 * 86_400).AddDays(-3),
        _ => Floor(utc, Seconds),
    };

    public DateTime Next(DateTime start) => Name == "month" ? start.AddMonths(1) : start.AddSeconds(Seconds);

    /// <summary>How many buckets a window spans.</summary>
    public long Count(DateTime from, DateTime to)
    {
        if (Name == "month")
        {
            return ((to.Year - from.Year) * 12) + to.Month - from.Month + 1;
        }

        return ((Start(to).Ticks - Start(from).Ticks) / TimeSpan.TicksPerSecond / Seconds) + 1;
    }

    private static DateTime Floor(DateTime utc, long seconds)
    {
        var ticks = seconds * TimeSpan.TicksPerSecond;
        var since = utc.Ticks - DateTime.UnixEpoch.Ticks;
        return new DateTime(DateTime.UnixEpoch.Ticks + (since - (since % ticks)), DateTimeKind.Utc);
    }
}
