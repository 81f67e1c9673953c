using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Tests.Storage;

public sealed class UsageSqlTests
{
    private readonly UsageSql _sql = new(DuckDbDialect.Instance);

    [Fact]
    public void Grouped_FilterValues_TravelOnlyAsParameters()
    {
        var query = Records.Window(Dimension.Tenant, Dimension.Kind) with
        {
            TenantId = "x' OR 1=1 --",
            AgentId = "agent-7",
            RunId = "run-9",
            Resource = "calc",
            Kind = "tool_call",
            Limit = 25,
        };

        var statement = _sql.Grouped(query);

        Assert.DoesNotContain("x' OR", statement.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("agent-7", statement.Text, StringComparison.Ordinal);
        Assert.Equal([query.From, query.To, "x' OR 1=1 --", "agent-7", "run-9", "calc", "tool_call"], statement.Parameters);
        Assert.Contains("GROUP BY tenant_id, kind", statement.Text, StringComparison.Ordinal);
        Assert.EndsWith("LIMIT 25", statement.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Column_EveryGroupableDimension_MapsToAColumn()
    {
        var groupable = Enum.GetValues<Dimension>().Where(UsageSql.IsGroupable).ToList();

        Assert.Equal(9, groupable.Count);
        Assert.DoesNotContain(Dimension.Unspecified, groupable);
        Assert.Equal(9, groupable.Select(UsageSql.Column).Distinct().Count());
    }
}
