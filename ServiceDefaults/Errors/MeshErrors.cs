using Grpc.Core;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>
/// Throw helpers for the status codes the mesh uses. Messages say what was wrong and what to
/// fix; the offending field travels in the <c>x-mesh-field</c> trailer for programs.
/// </summary>
public static class MeshErrors
{
    public const string FieldTrailer = "x-mesh-field";

    public static RpcException InvalidArgument(string field, string problem) =>
        WithField(StatusCode.InvalidArgument, field, $"{field}: {problem}");

    public static RpcException NotFound(string what, string name, string hint) =>
        new(new Status(StatusCode.NotFound, $"{what} '{name}' not found; {hint}"));

    public static RpcException Unauthenticated(string message) => new(new Status(StatusCode.Unauthenticated, message));

    public static RpcException PermissionDenied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    public static RpcException ResourceExhausted(string message) => new(new Status(StatusCode.ResourceExhausted, message));

    public static RpcException DeadlineExceeded(string message) => new(new Status(StatusCode.DeadlineExceeded, message));

    public static RpcException Unavailable(string message) => new(new Status(StatusCode.Unavailable, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    private static RpcException WithField(StatusCode code, string field, string message) =>
        new(new Status(code, message), new Metadata { { FieldTrailer, field } });
}
