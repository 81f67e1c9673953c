using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Mesh.Identity.V1;
using Mesh.Security.Authorization;

namespace Mesh.Security.Tests.Authorization;

/// <summary>The audit trail's request digest: SHA-256 over the method's UTF-8 bytes followed by the request's protobuf bytes.</summary>
public sealed class RequestDigestTests
{
    private const string Method = "/mesh.identity.v1.Permissions/Check";

    [Theory]
    [InlineData(16)]
    [InlineData(5_000)] // past what the digest keeps on the stack
    public void Of_Request_IsSha256OfMethodThenRequestBytes(int objectLength)
    {
        var request = new CheckRequest { Object = "tool:" + new string('x', objectLength), Relation = "invoker" };

        var digest = RequestDigest.Of(Method, request);

        var expected = SHA256.HashData([.. Encoding.UTF8.GetBytes(Method), .. request.ToByteArray()]);
        Assert.Equal(Convert.ToHexStringLower(expected), digest);
    }

    [Fact]
    public void Of_RequestsThatDifferInOneField_DifferentDigests()
    {
        var a = RequestDigest.Of(Method, new CheckRequest { Object = "tool:a", Relation = "invoker" });
        var b = RequestDigest.Of(Method, new CheckRequest { Object = "tool:b", Relation = "invoker" });
        var other = RequestDigest.Of("/mesh.identity.v1.Permissions/Authorize", new CheckRequest { Object = "tool:a", Relation = "invoker" });

        Assert.NotEqual(a, b);
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void Of_NotAProtobufMessage_DigestOfTheMethodAlone()
    {
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Method))), RequestDigest.Of(Method, new object()));
    }
}
