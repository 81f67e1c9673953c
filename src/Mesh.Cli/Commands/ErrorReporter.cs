using Grpc.Core;
using Mesh.Cli.Configuration;

namespace Mesh.Cli.Commands;

/// <summary>Turns a failed call into the line people read: <c>StatusCode: detail</c>, and what to do about it.</summary>
public static class ErrorReporter
{
    public static (string Message, string? Hint) Describe(RpcException exception, CliSettings settings)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(settings);
        var detail = string.IsNullOrWhiteSpace(exception.Status.Detail) ? "(no detail)" : exception.Status.Detail;
        var hint = exception.StatusCode switch
        {
            StatusCode.Unauthenticated => string.IsNullOrEmpty(settings.ApiKey)
                ? $"no API key was sent: set {GlobalOptions.ApiKeyVariable} or pass --api-key"
                : $"the API key was refused: check {GlobalOptions.ApiKeyVariable} / --api-key",
            StatusCode.PermissionDenied =>
                $"run 'mesh whoami' to see who the key belongs to; --tenant / {GlobalOptions.TenantVariable} picks the tenant",
            StatusCode.DeadlineExceeded =>
                $"the call took longer than --timeout ({settings.Timeout.TotalSeconds:0.#} s); raise it if the work is slow",
            StatusCode.Unimplemented => "the address may point at a different Mesh service; check the --<service>-url options",
            _ => null,
        };
        return ($"{exception.StatusCode}: {detail}", hint);
    }
}
