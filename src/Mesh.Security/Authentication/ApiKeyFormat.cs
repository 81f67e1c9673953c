using System.Security.Cryptography;
using System.Text;

namespace Mesh.Security.Authentication;

/// <summary>
/// Mesh API keys look like <c>mesh_&lt;key id&gt;_&lt;secret&gt;</c>: the key id (public, for lookup
/// and logs) and 256 random bits. Only the SHA-256 digest of the whole key is ever stored.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "mesh_";
    private const int KeyIdLength = 16;
    private const int SecretLength = 43; // 32 bytes, base64url without padding
    private static readonly System.Buffers.SearchValues<char> Base64UrlCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>Makes a new key and its id.</summary>
    public static (string Key, string KeyId) Generate()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyIdLength / 2));
        var secret = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return ($"{Prefix}{keyId}_{secret}", keyId);
    }

    /// <summary>The key id of a well-formed Mesh key, or false.</summary>
    public static bool TryParse(string key, out string keyId)
    {
        keyId = "";
        if (key is null || !key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length < Prefix.Length + KeyIdLength + 2
            || key[Prefix.Length + KeyIdLength] != '_')
        {
            return false;
        }

        keyId = key.Substring(Prefix.Length, KeyIdLength);
        var secret = key.AsSpan(Prefix.Length + KeyIdLength + 1);
        return keyId.All(char.IsAsciiHexDigitLower) && secret.Length == SecretLength && !secret.ContainsAnyExcept(Base64UrlCharacters);
    }

    public static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
