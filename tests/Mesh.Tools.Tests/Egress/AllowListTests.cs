using System.Net;
using Mesh.Tools.Egress;

namespace Mesh.Tools.Tests.Egress;

public sealed class AllowListTests
{
    private static AllowList List(params string[] hosts) => new([.. hosts.Select(h => AllowListEntry.Parse(h, out _)!)]);

    [Theory]
    [InlineData("api.example.com", "https://api.example.com/v1", true)]
    [InlineData("api.example.com", "http://api.example.com/v1", true)]
    [InlineData("api.example.com", "https://API.Example.com./v1", true)]
    [InlineData("api.example.com", "https://api.example.com:8443/v1", false)]
    [InlineData("api.example.com:8443", "https://api.example.com:8443/v1", true)]
    [InlineData("api.example.com", "https://evil.example.com/", false)]
    [InlineData("api.example.com", "https://api.example.com.evil.org/", false)]
    [InlineData("*.example.com", "https://a.b.example.com/", true)]
    [InlineData("*.example.com", "https://example.com/", false)]
    [InlineData("*.example.com", "https://notexample.com/", false)]
    [InlineData("127.0.0.1:3001", "http://127.0.0.1:3001/mcp", true)]
    [InlineData("127.0.0.1:3001", "http://127.0.0.1:3002/mcp", false)]
    [InlineData("[::1]:3001", "http://[::1]:3001/mcp", true)]
    [InlineData("api.example.com", "ftp://api.example.com/", false)]
    [InlineData("api.example.com", "https://user:pass@api.example.com/", false)]
    public void Refusal_UrlAgainstEntry_AllowedOnlyWhenNamed(string entry, string url, bool allowed) =>
        Assert.Equal(allowed, List(entry).Refusal(new Uri(url)) is null);

    [Theory]
    [InlineData("https://example.com")]
    [InlineData("example.com/path")]
    [InlineData("exa mple.com")]
    [InlineData("*.*.example.com")]
    [InlineData("example.com:0")]
    [InlineData("example.com:99999")]
    [InlineData("")]
    public void Parse_NotAHost_RefusedWithAReason(string text)
    {
        Assert.Null(AllowListEntry.Parse(text, out var problem));
        Assert.NotEmpty(problem);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:4700::1111", true)]
    public void IsPublic_Address_OnlyInternetAddresses(string address, bool expected) =>
        Assert.Equal(expected, AddressRanges.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public async Task Addresses_NameResolvingToLoopback_RefusedEvenThoughTheNameIsListed()
    {
        var error = await Assert.ThrowsAsync<EgressRefusedException>(() => List("localhost:8080").AddressesAsync("localhost", 8080, CancellationToken.None));

        Assert.Contains("private, loopback and link-local addresses are refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Addresses_LoopbackListedByAddress_Allowed() =>
        Assert.Equal([IPAddress.Loopback], await List("127.0.0.1:8080").AddressesAsync("127.0.0.1", 8080, CancellationToken.None));
}
