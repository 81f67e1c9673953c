using Grpc.Core;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authentication;

/// <summary>
/// The seam where authentication plugs in: turns a call's metadata into a <see cref="Caller"/>
/// or a reason for refusing it.
/// </summary>
public interface ICallerAuthenticator
{
    ValueTask<AuthenticationResult> AuthenticateAsync(Metadata headers, CancellationToken cancellationToken);
}

public sealed record AuthenticationResult(Caller? Caller, string? Failure)
{
    public static AuthenticationResult Success(Caller caller) => new(caller, null);

    public static AuthenticationResult Fail(string reason) => new(null, reason);
}
