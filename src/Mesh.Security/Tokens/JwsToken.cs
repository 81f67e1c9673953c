using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using B64 = System.Buffers.Text.Base64Url;

namespace Mesh.Security.Tokens;

/// <summary>
/// Compact JWS (RFC 7515) with ES256 (ECDSA P-256, SHA-256, 64-byte r||s signatures), written
/// and read by hand so that nothing but ES256 with a known key id is ever accepted.
/// </summary>
public static class JwsToken
{
    public const string Algorithm = "ES256";

    /// <summary>Signs <paramref name="claims"/> with <paramref name="key"/> under key id <paramref name="keyId"/>.</summary>
    public static string Sign(TokenClaims claims, string keyId, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(key);
        var header = B64.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = Algorithm, ["typ"] = "JWT", ["kid"] = keyId }));
        var payload = B64.EncodeToString(TokenJson.Write(claims));
        var signingInput = $"{header}.{payload}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{B64.EncodeToString(signature)}";
    }

    /// <summary>Does <paramref name="credential"/> look like a compact JWS (three dot-separated parts)?</summary>
    public static bool LooksLikeToken(string credential) =>
        credential.AsSpan().Count('.') == 2 && !credential.StartsWith(Authentication.ApiKeyFormat.Prefix, StringComparison.Ordinal);

    /// <summary>Splits a token and reads its header's key id; false when it is not an ES256 JWS.</summary>
    public static bool TryReadHeader(string token, out string keyId, out string failure)
    {
        keyId = "";
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !TryDecodeJson(token.AsSpan(0, dot), out var header))
        {
            failure = "the token header is not valid base64url JSON";
            return false;
        }

        using (header)
        {
            var root = header.RootElement;
            if (!root.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != Algorithm)
            {
                failure = $"the token must be signed with {Algorithm}";
                return false;
            }

            if (!root.TryGetProperty("kid", out var kid) || kid.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(kid.GetString()))
            {
                failure = "the token header has no key id (kid)";
                return false;
            }

            keyId = kid.GetString()!;
            failure = "";
            return true;
        }
    }

    /// <summary>Verifies the signature with <paramref name="key"/>, then reads the claims.</summary>
    public static TokenClaims? Verify(string token, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(key);
        var lastDot = token.LastIndexOf('.');
        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        if (firstDot <= 0 || lastDot <= firstDot)
        {
            return null;
        }

        byte[] signature;
        try
        {
            signature = B64.DecodeFromChars(token.AsSpan(lastDot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (signature.Length != 64
            || !key.VerifyData(Encoding.ASCII.GetBytes(token, 0, lastDot), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return null;
        }

        return TryDecodeJson(token.AsSpan(firstDot + 1, lastDot - firstDot - 1), out var payload) ? TokenJson.Read(payload) : null;
    }

    private static bool TryDecodeJson(ReadOnlySpan<char> part, out JsonDocument document)
    {
        document = null!;
        try
        {
            document = JsonDocument.Parse(B64.DecodeFromChars(part));
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return false;
        }
    }
}
