using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Telemetry.Analytics;

/// <summary>The [from, to) window of a query, with its defaults; InvalidArgument for bad times.</summary>
public static class QueryWindow
{
    public static (DateTime From, DateTime To) Parse(Timestamp? from, Timestamp? to, TimeSpan defaultLength, DateTimeOffset now)
    {
        var end = to is null ? now.UtcDateTime : Time(to, "to");
        var start = from is null ? end - defaultLength : Time(from, "from");
        if (start >= end)
        {
            throw MeshErrors.InvalidArgument("from", $"the window start {start:O} must be before its end {end:O}");
        }

        return (start, end);
    }

    public static DateTime Time(Timestamp timestamp, string field)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        try
        {
            return timestamp.ToDateTime();
        }
        catch (InvalidOperationException)
        {
            throw MeshErrors.InvalidArgument(field, "is not a valid timestamp");
        }
    }
}
