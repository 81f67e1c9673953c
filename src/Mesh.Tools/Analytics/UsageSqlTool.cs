using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.V1;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Analytics;

/// <summary>
/// The built-in <c>usage_sql</c> tool: one read-only SELECT over the usage store, through
/// telemetry's tenant-scoped SQL (<c>Analytics.QuerySql</c>) with the caller's credential, so it
/// sees the views <c>usage_events</c>, <c>runs</c> and <c>prices</c> of the caller's tenant only and
/// needs what that RPC needs (<c>analytics:usage#reader</c>).
/// </summary>
public sealed class UsageSqlTool(Telemetry.V1.Analytics.AnalyticsClient analytics) : ITool
{
    public const string Name = "usage_sql";

    public const int MaxRows = 1000;

    private const string Schema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {
            "sql": { "type": "string", "minLength": 1, "maxLength": 8000, "description": "one SELECT over usage_events, runs, prices, vrio_capabilities and vrio_indicators (the caller's tenant only)" },
            "max_rows": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "how many rows to return (default 100)" }
          },
          "required": ["sql"],
          "additionalProperties": false
        }
        """;

    public ToolDescriptor Descriptor { get; } = new(
        Name,
        "1.0.0",
        "Answers one read-only SQL SELECT over the tenant's usage: the views usage_events (one row per metered call: kind, resource, tokens, cost_usd, run_id, ...), runs and prices. Rows of other tenants are never visible.",
        Schema,
        TimeSpan.FromSeconds(30),
        SideEffect.Read);

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var query = new SqlQuery
        {
            Sql = arguments.GetProperty("sql").GetString()!,
            MaxRows = arguments.TryGetProperty("max_rows", out var max) ? max.GetInt32() : 100,
        };
        SqlResult result;
        try
        {
            // No headers: the outgoing call carries the caller's credential, so telemetry scopes it to the caller's tenant.
            result = await analytics.QuerySqlAsync(query, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument)
        {
            throw MeshErrors.InvalidArgument("sql", $"telemetry refused the query: {ex.Status.Detail}");
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable)
        {
            throw MeshErrors.Unavailable($"the usage store is unavailable: {ex.Status.Detail}; retry shortly");
        }

        return new JsonObject
        {
            ["engine"] = result.Engine,
            ["columns"] = new JsonArray([.. result.Columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = c.Type })]),
            ["rows"] = new JsonArray([.. result.Rows.Select(r => (JsonNode)new JsonArray([.. r.Values.Select((v, i) => i < r.Nulls.Count && r.Nulls[i] ? null : (JsonNode)JsonValue.Create(v))]))]),
            ["truncated"] = result.Truncated,
        };
    }
}
