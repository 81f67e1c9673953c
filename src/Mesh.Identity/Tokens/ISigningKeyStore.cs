namespace Mesh.Identity.Tokens;

/// <summary>
/// A signing key: the P-256 private key (PKCS#8, sealed by <see cref="SigningKeyProtector"/> when
/// a key encryption key is set), when it was made and when it stops verifying.
/// </summary>
public sealed record SigningKeyRecord(string KeyId, byte[] PrivateKey, DateTimeOffset CreatedAt, DateTimeOffset? RetiresAt);

public interface ISigningKeyStore
{
    /// <summary>Keys that still verify at <paramref name="now"/>, newest first.</summary>
    IReadOnlyList<SigningKeyRecord> Active(DateTimeOffset now);

    /// <summary>Whether a key with this id is stored (retired or not): one indexed lookup, nothing decrypted.</summary>
    bool Contains(string keyId);

    /// <summary>Adds <paramref name="key"/> as the signing key and retires the others at <paramref name="retireOthersAt"/>.</summary>
    void Rotate(SigningKeyRecord key, DateTimeOffset retireOthersAt);
}
