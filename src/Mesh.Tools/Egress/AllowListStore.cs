using System.Text.Json;
using Mesh.Tools.Storage;

namespace Mesh.Tools.Egress;

/// <summary>Each tenant's HTTP allow-list, in the tools database.</summary>
public sealed class AllowListStore(ToolsDatabase database, TimeProvider time)
{
    public IReadOnlyList<string> Get(string tenant)
    {
        using var connection = database.Open();
        using var command = ToolsDatabase.Command(connection, "SELECT hosts FROM http_allow_lists WHERE tenant = $tenant", null, ("$tenant", tenant));
        return command.ExecuteScalar() is string json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
    }

    public void Set(string tenant, IReadOnlyList<string> hosts) => database.Write((connection, transaction) =>
    {
        using var command = ToolsDatabase.Command(connection, """
            INSERT INTO http_allow_lists(tenant, hosts, updated_at) VALUES ($tenant, $hosts, $at)
            ON CONFLICT(tenant) DO UPDATE SET hosts = excluded.hosts, updated_at = excluded.updated_at
            """, transaction, ("$tenant", tenant), ("$hosts", JsonSerializer.Serialize(hosts)), ("$at", time.GetUtcNow().ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery();
    });
}
