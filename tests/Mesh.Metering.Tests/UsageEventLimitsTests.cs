using Google.Protobuf.WellKnownTypes;
using Mesh.Usage.V1;

namespace Mesh.Metering.Tests;

public sealed class UsageEventLimitsTests
{
    [Fact]
    public void Bound_TwoMegabyteResourceAndThousandAttributes_ShortenedAndNamedAsTruncated()
    {
        var usage = new UsageEvent { EventId = "e", TenantId = "acme", Resource = new string('t', 2 * 1024 * 1024), RunId = "run-1" };
        for (var i = 0; i < 1000; i++)
        {
            usage.Attributes[$"key-{i:D4}"] = "value";
        }

        UsageEventLimits.Bound(usage);

        Assert.Equal(UsageEventLimits.MaxIdLength, usage.Resource.Length);
        Assert.Equal("run-1", usage.RunId);
        Assert.True(usage.Attributes.Count <= UsageEventLimits.MaxAttributes);
        Assert.Equal("resource,attributes", usage.Attributes[UsageEventLimits.TruncatedAttribute]);
        Assert.Null(UsageEventLimits.Problem(usage));
    }

    [Fact]
    public void Bound_EventWithinTheLimits_LeftAsItIs()
    {
        var usage = new UsageEvent { EventId = "e", TenantId = "acme", Resource = "calculator", Attributes = { ["priority"] = "standard" } };
        var before = usage.Clone();

        UsageEventLimits.Bound(usage);

        Assert.Equal(before, usage);
    }

    [Theory]
    [InlineData(1960)]
    [InlineData(2107)]
    public void Problem_OccurredOutsideWhatStoresKeep_NamesTheRange(int year)
    {
        var usage = new UsageEvent { EventId = "e", TenantId = "acme", OccurredAt = Timestamp.FromDateTime(new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc)) };

        Assert.Contains("1970-01-01 to 2106-02-07", UsageEventLimits.Problem(usage), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_HugeField_NamesItAndTheLimit() =>
        Assert.Equal($"step_id is 5000 characters long; at most {UsageEventLimits.MaxIdLength}",
            UsageEventLimits.Problem(new UsageEvent { StepId = new string('s', 5000) }));
}
