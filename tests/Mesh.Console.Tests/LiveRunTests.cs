using System.Net;
using Mesh.Agents.V1;
using Mesh.Console.Tests.Support;
using Mesh.Testing;

namespace Mesh.Console.Tests;

/// <summary>A run's page follows the run while it may still change (server-sent events from WatchRun).</summary>
[Collection(ConsoleCollection.Name)]
public sealed class LiveRunTests(ConsoleMesh mesh)
{
    [Fact]
    public async Task RunEvents_WaitingRunGetsItsSignal_SendsChanged()
    {
        var name = $"wait-{Guid.NewGuid():N}"[..16];
        await mesh.AgentsClient.CreateWorkflowAsync(new CreateWorkflowRequest
        {
            Definition = $$$"""
                name: {{{name}}}
                steps:
                  - { id: hold, kind: wait, signal: go, output: signal }
                """,
        }, TestCalls.As(mesh.AcmeKey));
        var run = await mesh.AgentsClient.StartRunAsync(new StartRunRequest { Workflow = name }, TestCalls.As(mesh.AcmeKey));
        var waiting = await UntilAsync(run.RunId, r => r.Status == RunStatus.Waiting);
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);
        var (_, page) = await Visit.GetAsync(browser, $"/runs/{run.RunId}");
        var live = Visit.Attribute(page, "live", "data-live");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(live, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var body = response.Content.ReadAsStringAsync(timeout.Token);
        await mesh.AgentsClient.SignalRunAsync(new SignalRunRequest { RunId = run.RunId, Signal = "go", PayloadJson = "1" }, TestCalls.As(mesh.AcmeKey));

        Assert.Equal($"/runs/{run.RunId}/events?after={waiting.LastSequence}", live);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("event: changed\n", await body, StringComparison.Ordinal);
    }

    private async Task<Run> UntilAsync(string runId, Func<Run, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var run = await mesh.AgentsClient.GetRunAsync(new GetRunRequest { RunId = runId }, TestCalls.As(mesh.AcmeKey));
            if (done(run))
            {
                return run;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
