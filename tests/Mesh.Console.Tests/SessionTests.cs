using System.Net;
using Mesh.Console.Tests.Support;
using Mesh.Testing;

namespace Mesh.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class SessionTests(ConsoleMesh mesh)
{
    [Fact]
    public async Task AnyPage_NotSignedIn_RedirectsToSignIn()
    {
        using var console = mesh.Console();
        using var browser = console.Browser();

        using var response = await browser.GetAsync(new Uri("/runs", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/signin?returnUrl=%2Fruns", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_GoodKey_SetsAnHttpOnlyStrictCookieThatHoldsNoKey()
    {
        using var console = mesh.Console();
        using var browser = console.Browser();

        using var response = await Visit.SignInAsync(browser, mesh.AcmeKey);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/cost", response.Headers.Location!.ToString());
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("mesh-console=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(mesh.AcmeKey, cookie, StringComparison.Ordinal);
        Assert.True(cookie.Split(';')[0].Length < 1000, "the cookie holds a session id, not the session");
    }

    [Fact]
    public async Task SignIn_UnknownKey_Answers401AndSaysSo()
    {
        using var console = mesh.Console();
        using var browser = console.Browser();

        using var response = await Visit.SignInAsync(browser, "not-a-mesh-key-000000000000000");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Mesh refused that key", html, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-mesh-key", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRefused()
    {
        using var console = mesh.Console();
        using var browser = console.Browser();

        using var response = await browser.PostAsync(new Uri("/signin", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = mesh.AcmeKey }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("mesh-console=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignOut_ThenAPage_RedirectsToSignIn()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);
        var (_, page) = await Visit.GetAsync(browser, "/budgets");

        using var signOut = await browser.PostAsync(new Uri("/session?handler=SignOut", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = Visit.Token(page) }));
        using var after = await browser.GetAsync(new Uri("/budgets", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/signin", after.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantPage_NotAMeshAdmin_Is403()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, _) = await Visit.GetAsync(browser, "/tenant");

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task TenantPage_MeshAdminChoosesGlobex_PagesShowGlobex()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, TestKeys.Admin);
        var (_, choose) = await Visit.GetAsync(browser, "/tenant");

        using var chosen = await browser.PostAsync(new Uri("/tenant", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "globex",
            ["__RequestVerificationToken"] = Visit.Token(choose),
        }));
        var (status, cost) = await Visit.GetAsync(browser, "/cost");

        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("globex", Visit.Attribute(cost, "tenant", "data-tenant"));
        Assert.Contains(ConsoleMesh.GlobexOnlyResource, cost, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny-gpt", cost, StringComparison.Ordinal);
    }
}
