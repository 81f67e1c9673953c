using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace Mesh.Security.Authorization;

/// <summary>A SHA-256 digest of the method and request bytes: identifies a request in the audit trail without storing it.</summary>
public static class RequestDigest
{
    public static string Of(string method, object request)
    {
        ArgumentNullException.ThrowIfNull(method);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(method));
        if (request is IMessage message)
        {
            hash.AppendData(message.ToByteArray());
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
