using Mesh.Tools.Storage;

namespace Mesh.Tools.Mcp;

/// <summary>Tenants' MCP servers and the tools each listed, in the tools database.</summary>
public sealed class McpServerStore(ToolsDatabase database)
{
    public sealed record Row(McpServerDefinition Server, IReadOnlyList<McpToolDefinition> Tools, DateTimeOffset RefreshedAt);

    /// <summary>Adds a server with its tools; false when the tenant has one of that name.</summary>
    public bool TryAdd(McpServerDefinition server, IReadOnlyList<McpToolDefinition> tools, string createdBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        return database.Write((connection, transaction) =>
        {
            using var command = ToolsDatabase.Command(connection, """
                INSERT INTO mcp_servers(tenant, name, definition, tools, created_by, created_at, refreshed_at)
                VALUES ($tenant, $name, $definition, $tools, $by, $at, $at) ON CONFLICT DO NOTHING
                """, transaction, ("$tenant", server.Tenant), ("$name", server.Name), ("$definition", server.ToJson()),
                ("$tools", McpToolDefinition.ToJson(tools)), ("$by", createdBy), ("$at", now.ToUnixTimeMilliseconds()));
            return command.ExecuteNonQuery() == 1;
        });
    }

    public bool UpdateTools(string tenant, string name, IReadOnlyList<McpToolDefinition> tools, DateTimeOffset now) => database.Write((connection, transaction) =>
    {
        using var command = ToolsDatabase.Command(connection, "UPDATE mcp_servers SET tools = $tools, refreshed_at = $at WHERE tenant = $tenant AND name = $name",
            transaction, ("$tools", McpToolDefinition.ToJson(tools)), ("$at", now.ToUnixTimeMilliseconds()), ("$tenant", tenant), ("$name", name));
        return command.ExecuteNonQuery() == 1;
    });

    public bool Remove(string tenant, string name) => database.Write((connection, transaction) =>
    {
        using var command = ToolsDatabase.Command(connection, "DELETE FROM mcp_servers WHERE tenant = $tenant AND name = $name", transaction,
            ("$tenant", tenant), ("$name", name));
        return command.ExecuteNonQuery() == 1;
    });

    public IReadOnlyList<Row> List(string tenant)
    {
        using var connection = database.Open();
        using var command = ToolsDatabase.Command(connection, "SELECT definition, tools, refreshed_at FROM mcp_servers WHERE tenant = $tenant ORDER BY name", null, ("$tenant", tenant));
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(McpServerDefinition.FromJson(reader.GetString(0)), McpToolDefinition.ListFromJson(reader.GetString(1)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return rows;
    }

    public Row? Find(string tenant, string name) => List(tenant).FirstOrDefault(r => r.Server.Name == name);
}
