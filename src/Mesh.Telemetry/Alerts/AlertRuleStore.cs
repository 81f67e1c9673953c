using System.Globalization;
using Google.Protobuf;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Alerts;

/// <summary>
/// Alert rules in the usage database (<c>alert_rules</c>), append-only so both engines keep them
/// the same way: creating writes the rule, deleting writes a deleted row; the latest row wins.
/// </summary>
public sealed class AlertRuleStore(IUsageStore store)
{
    public async Task<IReadOnlyList<AlertRule>> LoadAsync(CancellationToken cancellationToken)
    {
        var dialect = store.Dialect;
        var rows = await store.ReadAsync(
            new SqlStatement($"SELECT id, deleted, rule, {dialect.EpochSeconds("written_at")} FROM {dialect.Table("alert_rules")} ORDER BY written_at, deleted", []),
            SqlReadLimits.Internal, cancellationToken);
        var rules = new Dictionary<string, AlertRule?>(StringComparer.Ordinal);
        foreach (var row in rows.Rows)
        {
            rules[row[0]!] = row[1] == "1" ? null : JsonParser.Default.Parse<AlertRule>(row[2]!);
        }

        return [.. rules.Values.OfType<AlertRule>().OrderBy(r => r.CreatedAt.ToDateTime())];
    }

    public Task SaveAsync(AlertRule rule, bool deleted, DateTime at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var dialect = store.Dialect;
        var parameters = new List<object>();
        var values = string.Join(", ",
            dialect.Bind(parameters, rule.Id),
            dialect.Bind(parameters, rule.TenantId),
            dialect.Time(parameters, at),
            (deleted ? 1 : 0).ToString(CultureInfo.InvariantCulture),
            dialect.Bind(parameters, JsonFormatter.Default.Format(rule)));
        return store.ExecuteAsync(new SqlStatement($"INSERT INTO {dialect.Table("alert_rules")} (id, tenant_id, written_at, deleted, rule) VALUES ({values})", parameters), cancellationToken);
    }
}
