namespace Mesh.Security.Authentication.ApiKeys;

/// <summary>Resolves a Mesh API key (<c>mesh_...</c>) to its caller: identity's store, or a cache of it.</summary>
public interface IApiKeyResolver
{
    ValueTask<AuthenticationResult> ResolveAsync(string apiKey, CancellationToken cancellationToken);
}
