using Google.Protobuf.WellKnownTypes;
using Mesh.Console.Budgets;
using Mesh.Console.Cost;
using Mesh.Console.Reports;
using Mesh.Identity.V1;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Console.Tests;

public sealed class ReportsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 10, 30, 0, TimeSpan.Zero);

    [Fact]
    public void ReportWindow_Named7Days_EndsNowWithDayBucketsFromTheFirstDayItTouches()
    {
        var (window, problem) = ReportWindow.Parse("7d", null, null, null, new FakeTimeProvider(Now));

        Assert.Null(problem);
        Assert.Equal(("day", Now.AddDays(-7), Now), (window!.Bucket, window.From, window.To));
        Assert.Equal(8, window.BucketStarts().Count());
        Assert.Equal(new DateTimeOffset(2026, 2, 25, 0, 0, 0, TimeSpan.Zero), window.BucketStarts().First());
    }

    [Fact]
    public void ReportWindow_WeekBucket_StartsOnMonday()
    {
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero), ReportWindow.Floor(Now, "week"));
    }

    [Fact]
    public void CsvText_FieldsWithCommasQuotesOrFormulas_AreQuotedAndDefused()
    {
        Assert.Equal("\"a,b\"", CsvText.Field("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", CsvText.Field("say \"hi\""));
        Assert.Equal("'=HYPERLINK(1)", CsvText.Field("=HYPERLINK(1)"));
        Assert.Equal("-0.5", CsvText.Field("-0.5"));
    }

    [Fact]
    public void CostChart_MoreGroupsThanSeries_FoldsTheCheapestIntoOther()
    {
        var (window, _) = ReportWindow.Parse("6h", null, null, "hour", new FakeTimeProvider(Now));
        var report = new MetricsReport();
        for (var i = 0; i < CostChart.MaxSeries + 2; i++)
        {
            report.Rows.Add(new MetricsRow { Bucket = Timestamp.FromDateTimeOffset(ReportWindow.Floor(Now, "hour")), Keys = { $"m{i}" }, CostUsd = $"0.{i + 1:000}" });
        }

        var chart = CostChart.Build(report, window!, "resource");

        Assert.Equal(CostChart.MaxSeries, chart.Series.Count);
        Assert.Equal(CostChart.Other, chart.Series[^1].Label);
        Assert.Equal("0.006000000", chart.Series[^1].Total);
        Assert.Equal(report.Rows.Sum(r => Money.Parse(r.CostUsd)), chart.Series.Sum(s => Money.Parse(s.Total)));
        Assert.Equal("m9", chart.Series[0].Label);
    }

    [Fact]
    public void BudgetBurn_MonthlyBudgetHalfSpentAfterAThird_ProjectsOverTheLimit()
    {
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var budget = new Budget { Scope = "tenant", CostLimitUsd = "10", SpentUsd = "5", ReservedUsd = "0", Period = "month", PeriodStart = Timestamp.FromDateTimeOffset(start) };

        var burn = BudgetBurn.From(budget, start.AddDays(10));

        Assert.Equal(0.5m, burn.PerDay);
        Assert.Equal(15.5m, burn.Projected);
        Assert.True(burn.ProjectedOver);
        Assert.Equal(0.5, burn.Used);
    }
}
