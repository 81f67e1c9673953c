using System.Net;
using Mesh.Agents.V1;
using Mesh.Console.Tests.Support;
using Mesh.Testing;

namespace Mesh.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class PagesTests(ConsoleMesh mesh)
{
    [Fact]
    public async Task LatencyPage_Generation_ShowsTelemetrysPercentilesPerModel()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, "/latency?window=24h&kind=model_call");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("data-key=\"tiny-gpt\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("all-MiniLM-L6-v2", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\" data-measure=\"events\">3</td>", html, StringComparison.Ordinal);
        // Telemetry's quantiles are t-digest estimates: the median of 40, 60 and 80 ms is about 60.
        var p50 = double.Parse(System.Text.RegularExpressions.Regex.Match(html, "data-measure=\"p50_ttft_ms\">([0-9.]+)<").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(p50, 55, 65);
    }

    [Fact]
    public async Task BudgetsPage_TenantBudget_ShowsLimitSpendAndProjection()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, "/budgets");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("data-scope=\"tenant\"", html, StringComparison.Ordinal);
        Assert.Contains("$0.5000", html, StringComparison.Ordinal);
        Assert.Contains("<meter", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsPage_AcmeSession_ListsAcmesRunOnlyWithItsCost()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, "/runs?status=completed");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"data-run=\"{mesh.AcmeRunId}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(mesh.GlobexRunId, html, StringComparison.Ordinal);
        Assert.DoesNotContain("globex-sums", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPage_AcmesRun_ShowsEachStepWithToolResultAndCost()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);
        var run = await mesh.AgentsClient.GetRunAsync(new GetRunRequest { RunId = mesh.AcmeRunId }, TestCalls.As(mesh.AcmeKey));

        var (status, html) = await Visit.GetAsync(browser, $"/runs/{mesh.AcmeRunId}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("data-step=\"add\"", html, StringComparison.Ordinal);
        Assert.Contains("data-step=\"keep\"", html, StringComparison.Ordinal);
        Assert.Contains("42", html, StringComparison.Ordinal);
        Assert.Contains("data-left=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-live=", html, StringComparison.Ordinal);
        Assert.Equal(run.Cost.CostUsd, Visit.Attribute(html, "run-cost", "data-usd"));
        // The calculator call is the run's only priced work: its step carries the run's whole cost.
        var addStep = html[html.IndexOf("data-step=\"add\"", StringComparison.Ordinal)..html.IndexOf("data-step=\"keep\"", StringComparison.Ordinal)];
        var stepCost = System.Text.RegularExpressions.Regex.Match(addStep, "data-usd=\"([0-9.]+)\"").Groups[1].Value;
        Assert.NotEqual(0m, decimal.Parse(run.Cost.CostUsd, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(decimal.Parse(run.Cost.CostUsd, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(stepCost, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("/runs/{0}")]
    [InlineData("/runs/{0}/events")]
    public async Task RunPage_AnotherTenantsRunByUrl_Is404(string path)
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, mesh.GlobexRunId));

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("globex-sums", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForecastPage_LittleHistory_SaysWhyThereIsNoForecast()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, "/forecast?metric=cost_usd&bucket=hour");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"forecast-chart\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"summary\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertsPage_AcmeRule_IsListed()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, "/alerts");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("acme spends", html, StringComparison.Ordinal);
        Assert.Contains("cost_usd &gt; 1", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VrioPage_AcmesUsage_ListsItsCapabilitiesWithVerdictsAndNoneOfGlobex()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, "/vrio");

        // Three generations are far from the evidence a verdict needs (7 days, 100 calls).
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"vrio\"", html, StringComparison.Ordinal);
        Assert.Contains("model:tiny-gpt", html, StringComparison.Ordinal);
        Assert.Contains("not enough evidence", html, StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleMesh.GlobexOnlyResource, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPage_Responses_CarryAStrictContentSecurityPolicy()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        using var response = await browser.GetAsync(new Uri("/cost", UriKind.Relative));

        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl!.NoStore);
    }
}
