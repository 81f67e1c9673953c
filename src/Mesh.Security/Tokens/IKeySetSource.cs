namespace Mesh.Security.Tokens;

/// <summary>Where token verification keys come from: identity's key set, cached.</summary>
public interface IKeySetSource
{
    /// <summary>The verification key with id <paramref name="keyId"/>, or null when there is none.</summary>
    ValueTask<VerificationKey?> FindAsync(string keyId, CancellationToken cancellationToken);
}
