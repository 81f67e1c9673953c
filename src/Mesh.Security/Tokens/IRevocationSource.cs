namespace Mesh.Security.Tokens;

/// <summary>Which credentials were revoked recently enough that tokens minted from them may still be alive.</summary>
public interface IRevocationSource
{
    ValueTask<bool> IsRevokedAsync(string credentialId, CancellationToken cancellationToken);
}
