using Grpc.Core;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authentication;

/// <summary>Reads the credential of <c>authorization: Bearer &lt;credential&gt;</c>.</summary>
public static class BearerCredential
{
    private const string Scheme = "Bearer ";

    public static bool TryRead(Metadata headers, out string credential, out string failure)
    {
        ArgumentNullException.ThrowIfNull(headers);
        credential = "";
        var authorization = headers.GetValue(MeshHeaders.Authorization);
        if (string.IsNullOrEmpty(authorization))
        {
            failure = "missing 'authorization: Bearer <api key or token>' metadata";
            return false;
        }

        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            failure = "the authorization metadata must use the Bearer scheme";
            return false;
        }

        credential = authorization[Scheme.Length..].Trim();
        failure = "";
        return credential.Length > 0 || Fail(out failure);
    }

    private static bool Fail(out string failure)
    {
        failure = "the API key is not valid: the Bearer credential is empty";
        return false;
    }
}
