using System.Diagnostics;
using Mesh.Console.Tests.Support;
using Mesh.DevServers;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Xunit.Abstractions;

namespace Mesh.Console.Tests;

/// <summary>
/// The console in a real browser: tests/console-browser (playwright-core driving Debian's
/// chromium) against the console on a loopback port in front of the seeded services.
/// Screenshots of every page are left in the test's output folder (screenshots/).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class BrowserTests(ConsoleMesh mesh, ITestOutputHelper output)
{
    [Fact]
    public async Task Chromium_SignsInSeesCostRunsAndNoOtherTenant_PassesItsSuite()
    {
        var folder = Path.Combine(MeshBuild.RepositoryRoot(), "tests", "console-browser");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core")), $"playwright-core is not installed: run 'npm ci' in {folder} (scripts/test does)");
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"no browser at {chromium}: apt-get install -y chromium (scripts/test does)");
        using var console = mesh.Console(kestrel: true);
        console.StartServer();
        var total = (await mesh.AnalyticsClient.GetUsageAsync(new UsageQuery(), TestCalls.As(mesh.AcmeKey))).Total.CostUsd;
        var screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

        var start = new ProcessStartInfo("node", ["--test", "--test-reporter=spec", "--test-concurrency=1", "console.test.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["MESH_CONSOLE_URL"] = console.Address.ToString().TrimEnd('/'),
                ["MESH_ACME_KEY"] = mesh.AcmeKey,
                ["MESH_ACME_TOTAL_USD"] = total,
                ["MESH_ACME_RUN"] = mesh.AcmeRunId,
                ["MESH_GLOBEX_RUN"] = mesh.GlobexRunId,
                ["MESH_GLOBEX_ONLY"] = ConsoleMesh.GlobexOnlyResource,
                ["MESH_SCREENSHOTS"] = screenshots,
                ["CHROMIUM"] = chromium,
            },
        };
        using var node = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = node.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = node.StandardError.ReadToEndAsync(timeout.Token);
        await node.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        output.WriteLine(text);

        Assert.True(node.ExitCode == 0, $"node --test failed ({node.ExitCode}):\n{text}");
        Assert.Contains("ℹ fail 0", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(screenshots, "cost.png")), "no screenshot of the cost page");
    }
}
