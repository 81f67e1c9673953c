using Grpc.Core;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics.Sql;

/// <summary>
/// Runs a tenant's read-only SQL over its views (<see cref="SqlGuard"/>), within a time limit and a
/// row limit, on whichever store telemetry uses.
/// </summary>
public sealed class TenantSql(IUsageStore store)
{
    public const int DefaultRows = 1000;
    public const int MaxRows = 10_000;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private const string EventColumns =
        "event_id, occurred_at, tenant_id, principal_id, agent_id, run_id, step_id, service, kind, resource, resource_version, device, "
        + "input_tokens, output_tokens, cached_tokens, reasoning_tokens, queue_ms, compute_ms, total_ms, ttft_ms, batch_size, status, "
        + "cost_usd, price_version, priced_as, attributes, trace_id";

    public async Task<SqlResult> RunAsync(SqlQuery request, string tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        if (request.MaxRows is < 0 or > MaxRows)
        {
            throw MeshErrors.InvalidArgument("max_rows", $"must be between 1 and {MaxRows} (0 means {DefaultRows}); got {request.MaxRows}");
        }

        var parameters = new List<object>();
        string sql;
        try
        {
            sql = SqlGuard.Rewrite(request.Sql, name => View(name, tenant, parameters));
        }
        catch (SqlRefusedException ex) when (ex.Reason == SqlRefusal.Access)
        {
            throw MeshErrors.PermissionDenied($"query refused: {ex.Message}");
        }
        catch (SqlRefusedException ex)
        {
            throw MeshErrors.InvalidArgument("sql", ex.Message);
        }

        var rows = request.MaxRows == 0 ? DefaultRows : request.MaxRows;
        SqlRows result;
        try
        {
            result = await store.ReadAsync(new SqlStatement(sql, parameters), new SqlReadLimits(Timeout, rows, UserQuery: true), cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"{ex.Message}; narrow the query (a shorter window, fewer groups)"));
        }
        catch (Exception ex) when (ex is ClickHouseQueryException or DuckDB.NET.Data.DuckDBException)
        {
            throw MeshErrors.InvalidArgument("sql", $"the {store.Dialect.Name} engine refused the query: {FirstLine(ex.Message)}");
        }

        var response = new SqlResult { Truncated = result.Truncated, Engine = store.Dialect.Name };
        response.Columns.AddRange(result.Columns.Select(c => new SqlColumn { Name = c.Name, Type = c.Type }));
        foreach (var row in result.Rows)
        {
            var message = new SqlRow();
            message.Values.AddRange(row.Select(v => v ?? ""));
            message.Nulls.AddRange(row.Select(v => v is null));
            response.Rows.Add(message);
        }

        return response;
    }

    private string View(string name, string tenant, List<object> parameters)
    {
        var dialect = store.Dialect;
        return name switch
        {
            "usage_events" => $"SELECT {EventColumns} FROM {dialect.AnalyticsSource} WHERE tenant_id = {dialect.Bind(parameters, tenant)}",
            "runs" => "SELECT run_id, agent_id, MIN(principal_id) AS principal_id, MIN(occurred_at) AS started_at, MAX(occurred_at) AS ended_at, "
                + "COUNT(*) AS events, SUM(CASE WHEN kind = 'workflow_step' THEN 1 ELSE 0 END) AS steps, "
                + "SUM(CASE WHEN kind IN ('model_call', 'embedding') THEN 1 ELSE 0 END) AS model_calls, "
                + "SUM(CASE WHEN kind = 'tool_call' THEN 1 ELSE 0 END) AS tool_calls, "
                + "SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(compute_ms) AS compute_ms, "
                + "SUM(cost_usd) AS cost_usd, SUM(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END) AS errors "
                + $"FROM {dialect.AnalyticsSource} WHERE tenant_id = {dialect.Bind(parameters, tenant)} AND run_id <> '' AND kind <> 'audit' GROUP BY run_id, agent_id",
            "prices" => "SELECT version, effective_from, resource, resource_version, device_class, min_input_tokens, input_per_million, "
                + $"output_per_million, cached_per_million, per_call, per_compute_second FROM {dialect.Table(PriceListSql.Table)}",
            VrioViews.Capabilities => VrioViews.CapabilitiesSql(dialect, tenant, parameters),
            VrioViews.Indicators => VrioViews.IndicatorsSql(dialect, tenant, parameters),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a view"),
        };
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n')[0].Trim();
        return line.Length > 500 ? line[..500] : line;
    }
}
