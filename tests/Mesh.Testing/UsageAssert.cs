using Mesh.Usage.V1;
using Xunit;

namespace Mesh.Testing;

public static class UsageAssert
{
    /// <summary>
    /// A request refused before its work ran bills nothing: either it was refused before it was
    /// admitted (no event) or its one event is an error with no tokens and no compute time, which
    /// releases whatever it reserved.
    /// </summary>
    public static void NothingBilled(IEnumerable<UsageEvent> events)
    {
        var all = events.ToList();
        Assert.True(all.Count <= 1, $"a refused request has at most one usage event; found {all.Count}");
        Assert.All(all, e => Assert.Equal((UsageStatus.Error, 0L, 0L, 0d), (e.Status, e.InputTokens, e.OutputTokens, e.ComputeMs)));
    }
}
