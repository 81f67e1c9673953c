using System.Globalization;
using Grpc.Core;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Egress;
using ModelContextProtocol;

namespace Mesh.Tools.Mcp;

/// <summary>What went wrong with an MCP server, as the gRPC status that says what to do.</summary>
internal static class McpErrors
{
    /// <summary>Connecting, initializing or listing failed.</summary>
    public static RpcException Connect(string server, TimeSpan timeout, Exception exception, StderrTail? stderr = null)
    {
        if (EgressRefusedException.Within(exception) is { } refused)
        {
            return MeshErrors.PermissionDenied($"MCP server '{server}' refused by the tenant's HTTP allow-list: {refused.Message}");
        }

        if (exception is TimeoutException or OperationCanceledException)
        {
            return MeshErrors.DeadlineExceeded(
                $"MCP server '{server}' did not start and answer (initialize, tools/list) within {timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms{stderr}; check its command or URL, or give it a longer connect_timeout_ms");
        }

        return MeshErrors.FailedPrecondition($"MCP server '{server}' could not be reached: {Message(exception)}{stderr}; check its command (installed in an MCP server root?) or URL");
    }

    /// <summary>A tool call failed below the tool (a tool's own errors come back as results with isError).</summary>
    public static RpcException Call(string tool, Exception exception, StderrTail? stderr) => exception switch
    {
        McpProtocolException { ErrorCode: McpErrorCode.InvalidParams } protocol =>
            MeshErrors.InvalidArgument(Validation.ArgumentValidator.Field, $"MCP tool '{tool}' refused its arguments: {protocol.Message}"),
        McpProtocolException protocol => MeshErrors.FailedPrecondition($"MCP tool '{tool}' failed: {protocol.Message} (JSON-RPC error {(int)protocol.ErrorCode})"),
        _ when EgressRefusedException.Within(exception) is { } refused => MeshErrors.PermissionDenied($"MCP tool '{tool}': {refused.Message}"),
        _ => MeshErrors.Unavailable($"the MCP server of '{tool}' is unavailable: {Message(exception)}{stderr}; retry, the connection is opened again"),
    };

    private static string Message(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null && inner.Message.Length < 8)
        {
            inner = inner.InnerException;
        }

        return inner.Message;
    }
}
