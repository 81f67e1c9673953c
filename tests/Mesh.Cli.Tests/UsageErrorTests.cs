using System.Net;
using System.Net.Sockets;

namespace Mesh.Cli.Tests;

public sealed class UsageErrorTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Theory]
    [InlineData("cost", "--by", "colour")]
    [InlineData("cost", "--since", "soon")]
    [InlineData("demo", "--runs", "0")]
    [InlineData("run")]
    [InlineData("nonsense")]
    [InlineData("tool", "calculator", "[1, 2]")]
    [InlineData("--agents-url", "not-an-address", "agents")]
    public async Task RunAsync_BadUsage_ExitsWithTwo(params string[] args)
    {
        var result = await CliRun.RunAsync(NoEnvironment, args);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }

    [Fact]
    public async Task RunAsync_NothingListening_NamesServiceAndAddress()
    {
        var address = $"http://127.0.0.1:{ClosedPort()}";

        var result = await CliRun.RunAsync(NoEnvironment, "whoami", "--identity-url", address);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cannot reach the identity service at {address}", result.Error);
        Assert.Contains("--identity-url", result.Error);
    }

    [Fact]
    public async Task RunAsync_NoCommand_PrintsHelp()
    {
        var result = await CliRun.RunAsync(NoEnvironment);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("demo", result.Out);
        Assert.Contains("--api-key", result.Out);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
