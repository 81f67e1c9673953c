using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace Mesh.Security.Authorization;

/// <summary>A SHA-256 digest of the method and request bytes: identifies a request in the audit trail without storing it.</summary>
public static class RequestDigest
{
    private const int StackLimit = 1024;

    public static string Of(string method, object request)
    {
        ArgumentNullException.ThrowIfNull(method);
        var message = request as IMessage;
        var methodLength = Encoding.UTF8.GetByteCount(method);
        var length = methodLength + (message?.CalculateSize() ?? 0);
        var rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            var bytes = (rented ?? stackalloc byte[StackLimit])[..length];
            Encoding.UTF8.GetBytes(method, bytes);
            message?.WriteTo(bytes[methodLength..]);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes, digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
