using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Tokens;

/// <summary>
/// Keeps signing keys encrypted at rest when <c>Mesh:Identity:Tokens:KeyEncryptionKey</c> is set:
/// AES-256-GCM, with the key id as associated data so a stored key cannot be passed off under
/// another id. Whoever reads the database without that key cannot mint tokens. Keys stored
/// before it was set stay readable (plain PKCS#8) and age out with rotation.
/// </summary>
public sealed class SigningKeyProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    // Plain keys are DER (first byte 0x30), so this prefix cannot start one.
    private static readonly byte[] Header = "MK1"u8.ToArray();

    private readonly byte[]? _key;

    public SigningKeyProtector(IOptions<TokenOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _key = TokenOptions.DecodeKeyEncryptionKey(options.Value.KeyEncryptionKey);
    }

    /// <summary>Whether new keys are stored encrypted.</summary>
    public bool Encrypts => _key is not null;

    public byte[] Protect(string keyId, byte[] privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (_key is null)
        {
            return privateKey;
        }

        var sealedKey = new byte[Header.Length + NonceSize + TagSize + privateKey.Length];
        var nonce = sealedKey.AsSpan(Header.Length, NonceSize);
        Header.CopyTo(sealedKey, 0);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, privateKey, sealedKey.AsSpan(Header.Length + NonceSize + TagSize), sealedKey.AsSpan(Header.Length + NonceSize, TagSize), Encoding.UTF8.GetBytes(keyId));
        return sealedKey;
    }

    public byte[] Unprotect(string keyId, byte[] stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.AsSpan().StartsWith(Header))
        {
            return stored;
        }

        if (_key is null)
        {
            throw new InvalidOperationException(
                $"signing key '{keyId}' is stored encrypted: set {TokenOptions.SectionName}:KeyEncryptionKey to the key it was encrypted with");
        }

        var body = stored.AsSpan(Header.Length);
        if (body.Length < NonceSize + TagSize)
        {
            throw new InvalidOperationException($"signing key '{keyId}' is damaged: the stored value is too short");
        }

        var privateKey = new byte[body.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(body[..NonceSize], body[(NonceSize + TagSize)..], body.Slice(NonceSize, TagSize), privateKey, Encoding.UTF8.GetBytes(keyId));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidOperationException(
                $"signing key '{keyId}' does not decrypt with the configured {TokenOptions.SectionName}:KeyEncryptionKey: it was encrypted with another key, or altered");
        }

        return privateKey;
    }
}
