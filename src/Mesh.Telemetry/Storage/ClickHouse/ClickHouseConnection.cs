using System.Data.Common;
using ClickHouse.Driver;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>Opens ClickHouse clients from a connection string (<c>ConnectionStrings:clickhouse</c>).</summary>
public static class ClickHouseConnection
{
    /// <summary>
    /// A client whose settings every server version accepts: without them the driver asks
    /// 18.16 for formats and compression it does not have. Settings the string already names win.
    /// </summary>
    public static ClickHouseClient CreateClient(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new DbConnectionStringBuilder { ConnectionString = Normalize(connectionString) };
        foreach (var (key, value) in new[] { ("JsonReadMode", "None"), ("JsonWriteMode", "None"), ("Compression", "false") })
        {
            if (!builder.ContainsKey(key))
            {
                builder[key] = value;
            }
        }

        return new ClickHouseClient(builder.ConnectionString);
    }

    /// <summary>Accepts a plain <c>http://host:port</c> URL as well as a driver connection string.</summary>
    private static string Normalize(string connectionString)
    {
        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return $"Host={url.Host};Port={url.Port};Protocol={url.Scheme}";
        }

        return connectionString;
    }
}
