using System.Globalization;
using System.Security;

namespace Mesh.DevServers;

/// <summary>
/// A self-contained configuration for a local ClickHouse server (18.16 and later): loopback
/// only, its own data folder and ports, UTC, the default user without a password.
/// </summary>
public static class ClickHouseConfig
{
    /// <summary>Debian's package puts the server here.</summary>
    public const string DefaultServerPath = "/usr/sbin/clickhouse-server";

    /// <summary>Writes <c>config.xml</c> and <c>users.xml</c> into <paramref name="directory"/>; returns the config file.</summary>
    public static string Write(string directory, int httpPort, int tcpPort)
    {
        var root = Path.GetFullPath(directory);
        var data = Path.Combine(root, "data") + "/";
        Directory.CreateDirectory(data);
        var config = Path.Combine(root, "config.xml");
        File.WriteAllText(config, $"""
            <?xml version="1.0"?>
            <yandex>
              <logger>
                <level>warning</level>
                <log>{Xml(Path.Combine(root, "server.log"))}</log>
                <errorlog>{Xml(Path.Combine(root, "server.err.log"))}</errorlog>
                <size>10M</size>
                <count>2</count>
              </logger>
              <listen_host>127.0.0.1</listen_host>
              <http_port>{httpPort.ToString(CultureInfo.InvariantCulture)}</http_port>
              <tcp_port>{tcpPort.ToString(CultureInfo.InvariantCulture)}</tcp_port>
              <path>{Xml(data)}</path>
              <tmp_path>{Xml(data)}tmp/</tmp_path>
              <user_files_path>{Xml(data)}user_files/</user_files_path>
              <format_schema_path>{Xml(data)}format_schemas/</format_schema_path>
              <users_config>users.xml</users_config>
              <default_profile>default</default_profile>
              <default_database>default</default_database>
              <timezone>UTC</timezone>
              <mark_cache_size>268435456</mark_cache_size>
              <uncompressed_cache_size>268435456</uncompressed_cache_size>
              <max_concurrent_queries>100</max_concurrent_queries>
            </yandex>
            """);
        File.WriteAllText(Path.Combine(root, "users.xml"), """
            <?xml version="1.0"?>
            <yandex>
              <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
              <users>
                <default>
                  <password></password>
                  <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                  <profile>default</profile>
                  <quota>default</quota>
                </default>
              </users>
              <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """);
        return config;
    }

    private static string Xml(string text) => SecurityElement.Escape(text);
}
