using System.Net;
using System.Text.RegularExpressions;

namespace Mesh.Console.Tests.Support;

/// <summary>What a browser does with the console's forms: signs in with a key (a POST with the antiforgery token).</summary>
public static partial class Visit
{
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(browser);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var form = await browser.GetStringAsync(new Uri("/signin", UriKind.Relative), timeout.Token);
        return await browser.PostAsync(new Uri("/signin", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["apiKey"] = apiKey,
            ["__RequestVerificationToken"] = Token(form),
        }), timeout.Token);
    }

    /// <summary>A browser signed in with <paramref name="apiKey"/>.</summary>
    public static async Task<HttpClient> SignedInAsync(ConsoleFactory console, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(console);
        var browser = console.Browser();
        using var response = await SignInAsync(browser, apiKey);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return browser;
    }

    public static async Task<(HttpStatusCode Status, string Html)> GetAsync(HttpClient browser, string path)
    {
        ArgumentNullException.ThrowIfNull(browser);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await browser.GetAsync(new Uri(path, UriKind.Relative), timeout.Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
    }

    /// <summary>The antiforgery token of the first form of a page.</summary>
    public static string Token(string html) => WebUtility.HtmlDecode(TokenInput().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no antiforgery token on the page"));

    /// <summary>The value of attribute <paramref name="attribute"/> of the element with id <paramref name="id"/>.</summary>
    public static string Attribute(string html, string id, string attribute)
    {
        var match = Regex.Match(html, $"<[^>]*\\bid=\"{Regex.Escape(id)}\"[^>]*>");
        Assert.True(match.Success, $"no element {id} on the page");
        var value = Regex.Match(match.Value, $"\\b{Regex.Escape(attribute)}=\"([^\"]*)\"");
        Assert.True(value.Success, $"element {id} has no {attribute}");
        return WebUtility.HtmlDecode(value.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
