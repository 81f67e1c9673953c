using System.Globalization;
using Google.Protobuf;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// Capability metadata in the usage database (<c>vrio_capabilities</c>), append-only like alert
/// rules so both engines keep it the same way: the latest row of a tenant and capability wins.
/// </summary>
public sealed class CapabilityStore(IUsageStore store)
{
    public const string Table = "vrio_capabilities";

    /// <summary>The metadata a tenant set, latest per capability.</summary>
    public async Task<IReadOnlyDictionary<CapabilityKey, Capability>> LoadAsync(string tenantId, CancellationToken cancellationToken)
    {
        var dialect = store.Dialect;
        var parameters = new List<object>();
        var rows = await store.ReadAsync(
            new SqlStatement($"SELECT kind, name, version, metadata FROM {dialect.Table(Table)} WHERE tenant_id = {dialect.Bind(parameters, tenantId)} ORDER BY written_at, seq", parameters),
            SqlReadLimits.Internal, cancellationToken);
        var result = new Dictionary<CapabilityKey, Capability>();
        foreach (var row in rows.Rows)
        {
            result[new CapabilityKey(row[0]!, row[1]!, row[2]!)] = JsonParser.Default.Parse<Capability>(row[3]!);
        }

        return result;
    }

    public Task SaveAsync(string tenantId, Capability capability, DateTime at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capability);
        var dialect = store.Dialect;
        var parameters = new List<object>();
        var values = string.Join(", ",
            dialect.Bind(parameters, tenantId),
            dialect.Bind(parameters, capability.Ref.Kind),
            dialect.Bind(parameters, capability.Ref.Name),
            dialect.Bind(parameters, capability.Ref.Version),
            dialect.Time(parameters, at),
            // Orders rows written within the same second.
            (at.Ticks % TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture),
            dialect.Bind(parameters, JsonFormatter.Default.Format(capability)));
        return store.ExecuteAsync(new SqlStatement($"INSERT INTO {dialect.Table(Table)} (tenant_id, kind, name, version, written_at, seq, metadata) VALUES ({values})", parameters), cancellationToken);
    }
}
