using Grpc.Core;
using Mesh.Identity.V1;

namespace Mesh.Console.Sessions;

/// <summary>Checks a credential with identity (<c>WhoAmI</c>) and makes the session for it.</summary>
public sealed class SignIn(Identity.V1.Identity.IdentityClient identity)
{
    /// <summary>The session for <paramref name="credential"/>, or why there is none (a message for the person signing in).</summary>
    public async Task<(ConsoleSession? Session, string? Problem)> CheckAsync(string? credential, CancellationToken cancellationToken)
    {
        credential = credential?.Trim();
        if (string.IsNullOrEmpty(credential))
        {
            return (null, "Enter a Mesh API key.");
        }

        if (credential.Length > 4096 || credential.Any(char.IsControl) || credential.Contains(' ', StringComparison.Ordinal))
        {
            return (null, "That is not a Mesh API key: keys are one word of at most 4,096 characters.");
        }

        try
        {
            var me = await identity.WhoAmIAsync(
                new WhoAmIRequest(),
                new CallOptions(new Metadata { { "authorization", $"Bearer {credential}" } }, cancellationToken: cancellationToken));
            return (new ConsoleSession(credential, me.Id, me.Kind, me.TenantId, me.Admin, me.TenantAdmin, ChosenTenant: null), null);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            return (null, $"Mesh refused that key: {e.Status.Detail}");
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            return (null, $"Identity could not be reached to check the key ({e.Status.Detail}); try again in a moment.");
        }
    }
}
