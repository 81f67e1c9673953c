using Mesh.Tools.Storage;

namespace Mesh.Tools.Runtimes;

/// <summary>The tools tenants registered, in the tools database.</summary>
public sealed class SqliteToolDefinitionStore(ToolsDatabase database)
{
    /// <summary>Adds a definition; false when the tenant already has that name and version.</summary>
    public bool TryAdd(ToolDefinition definition, string createdBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return database.Write((connection, transaction) =>
        {
            using var command = ToolsDatabase.Command(connection, """
                INSERT INTO tenant_tools(tenant, name, version, runtime, definition, created_by, created_at)
                VALUES ($tenant, $name, $version, $runtime, $definition, $by, $at) ON CONFLICT DO NOTHING
                """, transaction,
                ("$tenant", definition.Tenant), ("$name", definition.Name), ("$version", definition.Version), ("$runtime", definition.Runtime),
                ("$definition", definition.ToJson()), ("$by", createdBy), ("$at", now.ToUnixTimeMilliseconds()));
            return command.ExecuteNonQuery() == 1;
        });
    }

    /// <summary>Removes one version, or every version when <paramref name="version"/> is empty; how many.</summary>
    public int Delete(string tenant, string name, string version) => database.Write((connection, transaction) =>
    {
        using var command = ToolsDatabase.Command(connection,
            "DELETE FROM tenant_tools WHERE tenant = $tenant AND name = $name AND ($version = '' OR version = $version)", transaction,
            ("$tenant", tenant), ("$name", name), ("$version", version));
        return command.ExecuteNonQuery();
    });

    public IReadOnlyList<ToolDefinition> List(string tenant)
    {
        using var connection = database.Open();
        using var command = ToolsDatabase.Command(connection, "SELECT definition FROM tenant_tools WHERE tenant = $tenant ORDER BY name, version", null, ("$tenant", tenant));
        using var reader = command.ExecuteReader();
        var definitions = new List<ToolDefinition>();
        while (reader.Read())
        {
            definitions.Add(ToolDefinition.FromJson(reader.GetString(0)));
        }

        return definitions;
    }
}
