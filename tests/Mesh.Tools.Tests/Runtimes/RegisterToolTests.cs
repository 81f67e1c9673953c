using System.Text.Json;
using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.Runtimes;
using Mesh.Tools.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Runtimes;

public sealed class RegisterToolTests : IAsyncLifetime
{
    private ToolsFactory _factory = null!;

    private ToolsClient Client => new(_factory.CreateChannel());

    public Task InitializeAsync()
    {
        _factory = Host(new ToolsFactory());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static ToolsFactory Host(ToolsFactory factory)
    {
        // The stand-in replaces the sandbox's process runtime: these tests are about the registry.
        factory.WithServices(s =>
        {
            s.RemoveAll<IToolRuntime>();
            s.AddSingleton<IToolRuntime, EchoProcessRuntime>();
        });
        return factory;
    }

    private static RegisterToolRequest Process(string name, string version = "", params string[] command) => new()
    {
        Name = name,
        Version = version,
        Description = "echoes",
        ArgumentsSchema = """{"type":"object","properties":{"n":{"type":"integer"}},"additionalProperties":false}""",
        Process = new ProcessRuntime { Command = { command.Length > 0 ? command : ["python3", "/tool/main.py"] }, Files = { ["main.py"] = "print(1)" } },
    };

    private static Task<ToolInfo> RegisterAsync(ToolsFactory factory, RegisterToolRequest request, string key = TestKeys.Acme) =>
        new ToolsClient(factory.CreateChannel()).RegisterToolAsync(request, TestCalls.As(key)).ResponseAsync;

    private async Task<IReadOnlyList<ToolInfo>> ListAsync(string key = TestKeys.Acme) =>
        (await Client.ListToolsAsync(new ListToolsRequest(), TestCalls.As(key))).Tools;

    [Fact]
    public async Task ListTools_BuiltIns_ShowRuntimeSourcePermissionAndPrice()
    {
        var calculator = Assert.Single(await ListAsync(), t => t.Name == "calculator");

        Assert.Equal(("builtin", "mesh", "tool:calculator#invoker"), (calculator.Runtime, calculator.Source, calculator.Permission));
        Assert.Equal(("calculator", "0.0001", "0", "test"), (calculator.Price.PriceClass, calculator.Price.PerCallUsd, calculator.Price.PerCpuSecondUsd, calculator.Price.PriceListVersion));
        Assert.Null(calculator.Limits);
    }

    [Fact]
    public async Task RegisterTool_Process_ListedForItsTenantOnlyAndRuns()
    {
        var info = await RegisterAsync(_factory, Process("summarize"));

        Assert.Equal(("summarize", "1.0.0", "process", "tenant"), (info.Name, info.Version, info.Runtime, info.Source));
        Assert.Equal(SideEffect.Write, info.SideEffect);
        Assert.Equal(10_000, info.TimeoutMs);
        Assert.Equal("0.00005", info.Price.PerCpuSecondUsd);
        Assert.Contains(await ListAsync(), t => t.Name == "summarize");
        Assert.DoesNotContain(await ListAsync(TestKeys.Globex), t => t.Name == "summarize");
        var result = await Client.InvokeToolAsync(new InvokeToolRequest { Tool = "summarize", ArgumentsJson = """{"n":2}""" }, TestCalls.As(TestKeys.Acme));
        Assert.Equal("""{"command":["python3","/tool/main.py"],"arguments":{"n":2}}""", result.ResultJson);
        var elsewhere = await Assert.ThrowsAsync<RpcException>(() =>
            Client.InvokeToolAsync(new InvokeToolRequest { Tool = "summarize", ArgumentsJson = "{}" }, TestCalls.As(TestKeys.Globex)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, elsewhere.StatusCode);
    }

    [Fact]
    public async Task RegisterTool_ArgumentsAgainstItsSchema_Validated()
    {
        await RegisterAsync(_factory, Process("strict"));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.InvokeToolAsync(new InvokeToolRequest { Tool = "strict", ArgumentsJson = """{"n":"two"}""" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("arguments_json/n: ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterTool_ServiceRestarts_ToolStillThere()
    {
        var directory = TestFolders.New("mesh-tools-registry");
        try
        {
            await using (var before = Host(ToolsFactory.On(directory)))
            {
                await RegisterAsync(before, Process("lasting", "2.0.0"));
            }

            await using var after = Host(ToolsFactory.On(directory));
            var tools = (await new ToolsClient(after.CreateChannel()).ListToolsAsync(new ListToolsRequest(), TestCalls.As(TestKeys.Acme))).Tools;

            Assert.Contains(tools, t => t.Name == "lasting" && t.Version == "2.0.0");
        }
        finally
        {
            TestFolders.Delete(directory);
        }
    }

    [Fact]
    public async Task RegisterTool_TwoVersions_LatestByDefaultAndDeleteOneThenAll()
    {
        await RegisterAsync(_factory, Process("multi", "1.0.0"));
        await RegisterAsync(_factory, Process("multi", "1.10.0", "python3", "/tool/v2.py"));

        var latest = await Client.InvokeToolAsync(new InvokeToolRequest { Tool = "multi", ArgumentsJson = "{}" }, TestCalls.As(TestKeys.Acme));
        Assert.Equal("1.10.0", latest.Version);

        Assert.Equal(1, (await Client.DeleteToolAsync(new DeleteToolRequest { Name = "multi", Version = "1.10.0" }, TestCalls.As(TestKeys.Acme))).Deleted);
        Assert.Equal("1.0.0", (await Client.InvokeToolAsync(new InvokeToolRequest { Tool = "multi", ArgumentsJson = "{}" }, TestCalls.As(TestKeys.Acme))).Version);
        Assert.Equal(1, (await Client.DeleteToolAsync(new DeleteToolRequest { Name = "multi" }, TestCalls.As(TestKeys.Acme))).Deleted);
        Assert.DoesNotContain(await ListAsync(), t => t.Name == "multi");
    }

    [Fact]
    public async Task RegisterTool_SameNameAndVersionTwice_AlreadyExists()
    {
        await RegisterAsync(_factory, Process("twice"));

        var error = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(_factory, Process("twice")));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("already registered", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterTool_BuiltInName_AlreadyExists()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(_factory, Process("calculator")));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("built-in tool", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterTool_SeveralProblems_EachNamedAndNothingRegistered()
    {
        var request = Process("Bad Name", "one", []);
        request.Process.Command.Clear();
        request.ArgumentsSchema = "{not json";
        request.TimeoutMs = 10_000_000;

        var error = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(_factory, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("5 problems", error.Status.Detail, StringComparison.Ordinal);
        foreach (var field in new[] { "name: must start with a lower case letter", "version: 'one' is not a version", "arguments_schema: is not a valid JSON Schema", "timeout_ms: must be between 1 and 300000", "process.command: is empty" })
        {
            Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal("name", error.Trailers.GetValue("x-mesh-field"));
        Assert.DoesNotContain(await ListAsync(), t => t.Source == "tenant");
    }

    [Fact]
    public async Task RegisterTool_NoRuntime_InvalidArgumentNamingTheChoices()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(_factory, new RegisterToolRequest { Name = "nothing" }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("runtime: is not set; set process (a command line run in the sandbox) or http (an endpoint on the tenant's allow-list)", error.Status.Detail);
    }

    [Fact]
    public async Task RegisterTool_RuntimeThisServerLacks_FailedPrecondition()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            RegisterAsync(_factory, new RegisterToolRequest { Name = "web", Http = new HttpRuntime { Method = "GET", Url = "https://example.com" } }));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task DeleteTool_Unknown_NotFoundNamingWhatExists()
    {
        await RegisterAsync(_factory, Process("kept"));

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.DeleteToolAsync(new DeleteToolRequest { Name = "gone" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("kept 1.0.0", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteTool_AnotherTenantsTool_NotFound()
    {
        await RegisterAsync(_factory, Process("private-tool"));

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.DeleteToolAsync(new DeleteToolRequest { Name = "private-tool" }, TestCalls.As(TestKeys.Globex)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains(await ListAsync(), t => t.Name == "private-tool");
    }

    [Fact]
    public void ToolDefinition_RoundTripsThroughJson()
    {
        using var spec = JsonDocument.Parse("""{"command":["a"],"files":{}}""");
        var definition = new ToolDefinition("acme", "t", "1.0.0", "d", "{}", SideEffect.Read, TimeSpan.FromSeconds(3),
            new Mesh.Tools.Registry.SandboxLimits(1, 2, 0.5, 4), "process", spec.RootElement.Clone());

        var back = ToolDefinition.FromJson(definition.ToJson());

        Assert.Equal(definition with { Spec = default }, back with { Spec = default });
        Assert.Equal(spec.RootElement.GetRawText(), back.Spec.GetRawText());
    }
}
