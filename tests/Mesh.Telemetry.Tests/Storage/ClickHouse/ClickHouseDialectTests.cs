using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;

namespace Mesh.Telemetry.Tests.Storage.ClickHouse;

public sealed class ClickHouseDialectTests
{
    [Theory]
    [InlineData("acme", "'acme'")]
    [InlineData("o'brien", @"'o\'brien'")]
    [InlineData(@"back\slash", @"'back\\slash'")]
    [InlineData(@"\'", @"'\\\''")]
    [InlineData("line\nbreak\r\ttab", @"'line\nbreak\r\ttab'")]
    [InlineData("nul\0byte", @"'nul\0byte'")]
    [InlineData("bell\u0007del\u007f", @"'bell\x07del\x7f'")]
    [InlineData("ünï €", "'ünï €'")]
    public void Quote_SpecialCharacters_AreEscaped(string value, string expected) =>
        Assert.Equal(expected, ClickHouseDialect.Quote(value));

    [Fact]
    public void Grouped_FilterValues_AreEscapedLiteralsNotParameters()
    {
        var sql = new UsageSql(new ClickHouseDialect("mesh"));
        var query = Records.Window(Mesh.Telemetry.V1.Dimension.Tenant) with { TenantId = "x' OR 1=1 --", Resource = @"a\'b" };

        var statement = sql.Grouped(query);

        Assert.Empty(statement.Parameters);
        Assert.Contains(@"tenant_id = 'x\' OR 1=1 --'", statement.Text, StringComparison.Ordinal);
        Assert.Contains(@"resource = 'a\\\'b'", statement.Text, StringComparison.Ordinal);
        Assert.Contains("FROM mesh.usage_events FINAL", statement.Text, StringComparison.Ordinal);
        Assert.Contains("GROUP BY tenant_id WITH TOTALS", statement.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_TimeBeforeAndAfterEpoch_GivesSecondsAndMicroseconds()
    {
        Assert.Equal((1_772_366_400L, 123_456), ClickHouseDialect.Split(Records.Noon.AddTicks(1_234_567)));
        Assert.Equal((-1L, 999_999), ClickHouseDialect.Split(DateTime.UnixEpoch.AddTicks(-10)));
    }

    [Theory]
    [InlineData("mesh; DROP DATABASE x")]
    [InlineData("1mesh")]
    [InlineData("")]
    public void Constructor_DatabaseNotAnIdentifier_Throws(string database) =>
        Assert.Throws<ArgumentException>(() => new ClickHouseDialect(database));
}
