using System.Text.Json;
using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tools.Tests.Http;

/// <summary>
/// The http tool reaches only hosts on the tenant's allow-list: everything else, redirects to
/// it, and loopback or private addresses not listed by address are refused before any
/// connection is made (the servers here see no request).
/// </summary>
public sealed class HttpToolTests : IAsyncLifetime
{
    private ToolsFactory _factory = null!;
    private LoopbackWebServer _allowed = null!;
    private LoopbackWebServer _elsewhere = null!;

    private Mesh.Tools.V1.Tools.ToolsClient Client => new(_factory.CreateChannel());

    public async Task InitializeAsync()
    {
        _factory = Host();
        _elsewhere = await LoopbackWebServer.StartAsync((app, _) => app.MapGet("/secret", () => "internal data"));
        _allowed = await LoopbackWebServer.StartAsync((app, server) =>
        {
            app.MapGet("/hello", (HttpRequest request) => Results.Json(new { hello = request.Query["name"].ToString() }));
            app.MapPost("/echo", async (HttpRequest request) => Results.Text(await new StreamReader(request.Body).ReadToEndAsync(), "application/json"));
            app.MapGet("/redirect-out", () => Results.Redirect(_elsewhere.Url("/secret")));
            app.MapGet("/redirect-in", () => Results.Redirect("/hello?name=again"));
            app.MapGet("/big", () => Results.Text(new string('x', 3 * 1024 * 1024)));
            app.MapGet("/slow", async () => { await Task.Delay(5000); return "late"; });
        });
        await Client.SetHttpAllowListAsync(new HttpAllowList { Hosts = { $"127.0.0.1:{_allowed.Port}" } }, TestCalls.As(TestKeys.Acme));
    }

    public async Task DisposeAsync()
    {
        await _allowed.DisposeAsync();
        await _elsewhere.DisposeAsync();
        await _factory.DisposeAsync();
    }

    private static ToolsFactory Host() => new();

    private async Task<JsonElement> CallAsync(object arguments, string key = TestKeys.Acme)
    {
        var response = await Client.InvokeToolAsync(new InvokeToolRequest { Tool = "http", ArgumentsJson = JsonSerializer.Serialize(arguments) }, TestCalls.As(key));
        using var document = JsonDocument.Parse(response.ResultJson);
        return document.RootElement.Clone();
    }

    private async Task<RpcException> RefusedAsync(object arguments, StatusCode expected, string key = TestKeys.Acme)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(arguments, key));
        Assert.Equal(expected, error.StatusCode);
        return error;
    }

    [Fact]
    public async Task Get_AllowListedHost_AnswersStatusAndBody()
    {
        var result = await CallAsync(new { url = _allowed.Url("/hello?name=mesh") });

        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Equal("""{"hello":"mesh"}""", result.GetProperty("body").GetString());
        Assert.StartsWith("application/json", result.GetProperty("headers").GetProperty("content-type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_JsonBody_Sent()
    {
        var result = await CallAsync(new { method = "POST", url = _allowed.Url("/echo"), body = new { order = 42 } });

        Assert.Equal("""{"order":42}""", result.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Get_HostOffTheList_RefusedAndNothingArrives()
    {
        var error = await RefusedAsync(new { url = _elsewhere.Url("/secret") }, StatusCode.PermissionDenied);

        Assert.Contains("is not on the tenant's HTTP allow-list", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_elsewhere.Requests);
    }

    [Fact]
    public async Task Get_RedirectToAHostOffTheList_RefusedAndTheOtherHostSeesNothing()
    {
        var error = await RefusedAsync(new { url = _allowed.Url("/redirect-out") }, StatusCode.PermissionDenied);

        Assert.Contains("the redirect to", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_elsewhere.Requests);
    }

    [Fact]
    public async Task Get_RedirectWithinTheList_Followed()
    {
        var result = await CallAsync(new { url = _allowed.Url("/redirect-in") });

        Assert.Equal("""{"hello":"again"}""", result.GetProperty("body").GetString());
        Assert.EndsWith("/hello?name=again", result.GetProperty("url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_LoopbackNameListedButNotItsAddress_RefusedBeforeConnecting()
    {
        await Client.SetHttpAllowListAsync(new HttpAllowList { Hosts = { $"localhost:{_elsewhere.Port}" } }, TestCalls.As(TestKeys.Globex));

        var error = await RefusedAsync(new { url = $"http://localhost:{_elsewhere.Port}/secret" }, StatusCode.PermissionDenied, TestKeys.Globex);

        Assert.Contains("private, loopback and link-local addresses are refused", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_elsewhere.Requests);
    }

    [Fact]
    public async Task Get_AnotherTenantsAllowList_DoesNotApply()
    {
        await RefusedAsync(new { url = _allowed.Url("/hello") }, StatusCode.PermissionDenied, TestKeys.Globex);

        Assert.DoesNotContain(_allowed.Requests, r => r.StartsWith("GET /hello", StringComparison.Ordinal) && !r.Contains("name", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_LargeResponse_CutAtTheLimitAndMarked()
    {
        var result = await CallAsync(new { url = _allowed.Url("/big") });

        Assert.True(result.GetProperty("truncated").GetBoolean());
        Assert.Equal(1024 * 1024, result.GetProperty("body").GetString()!.Length);
    }

    [Fact]
    public async Task Get_SlowServer_DeadlineExceededAtTheTimeLimit()
    {
        var error = await RefusedAsync(new { url = _allowed.Url("/slow"), timeout_ms = 300 }, StatusCode.DeadlineExceeded);

        Assert.Contains("did not answer within 300 ms", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/x", "is not an http or https URL")]
    [InlineData("http://user:pw@127.0.0.1/x", "credentials")]
    public async Task Get_BadUrl_Refused(string url, string problem)
    {
        var error = await RefusedAsync(new { url }, StatusCode.PermissionDenied);

        Assert.Contains(problem, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_BodyOrHostHeader_InvalidArgumentNamingTheArgument()
    {
        var body = await RefusedAsync(new { url = _allowed.Url("/hello"), body = "x" }, StatusCode.InvalidArgument);
        var header = await RefusedAsync(new { url = _allowed.Url("/hello"), headers = new Dictionary<string, string> { ["Host"] = "evil" } }, StatusCode.InvalidArgument);

        Assert.StartsWith("arguments_json/body: ", body.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("arguments_json/headers/Host: ", header.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetHttpAllowList_BadEntries_EachNamedAndTheOldListKept()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.SetHttpAllowListAsync(new HttpAllowList { Hosts = { "ok.example.com", "https://x.com", "a b" } }, TestCalls.As(TestKeys.Acme)).ResponseAsync);
        var kept = await Client.GetHttpAllowListAsync(new GetHttpAllowListRequest(), TestCalls.As(TestKeys.Acme));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("hosts[1]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("hosts[2]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([$"127.0.0.1:{_allowed.Port}"], kept.Hosts);
    }

    [Fact]
    public async Task RegisterTool_HttpEndpoint_ArgumentsAsQuery()
    {
        await Client.RegisterToolAsync(new RegisterToolRequest
        {
            Name = "greet",
            SideEffect = SideEffect.Read,
            ArgumentsSchema = """{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}""",
            Http = new HttpRuntime { Method = "GET", Url = _allowed.Url("/hello") },
        }, TestCalls.As(TestKeys.Acme));

        var response = await Client.InvokeToolAsync(new InvokeToolRequest { Tool = "greet", ArgumentsJson = """{"name":"registered"}""" }, TestCalls.As(TestKeys.Acme));

        using var result = JsonDocument.Parse(response.ResultJson);
        Assert.Equal("""{"hello":"registered"}""", result.RootElement.GetProperty("body").GetString());
    }
}
