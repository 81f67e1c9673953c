using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>
/// Turns exceptions that escaped a handler into statuses: a cancelled call stays Cancelled or
/// DeadlineExceeded, anything unexpected becomes Internal without leaking its details (they go
/// to the log with the trace), and a status whose message is too long for a trailer is cut
/// (<see cref="StatusDetail"/>).
/// </summary>
public sealed partial class ExceptionInterceptor(TimeProvider time, ILogger<ExceptionInterceptor> logger) : Interceptor
{
    private static readonly TimeSpan DeadlineSlack = TimeSpan.FromMilliseconds(250);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException ex) when (StatusDetail.TooLong(ex))
        {
            throw StatusDetail.Bound(ex);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException ex) when (StatusDetail.TooLong(ex))
        {
            throw StatusDetail.Bound(ex);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException ex) when (StatusDetail.TooLong(ex))
        {
            throw StatusDetail.Bound(ex);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (RpcException ex) when (StatusDetail.TooLong(ex))
        {
            throw StatusDetail.Bound(ex);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    private RpcException Map(Exception exception, ServerCallContext context)
    {
        // The server cancels a call a little before its deadline passes, hence the slack.
        var deadlinePassed = context.Deadline <= time.GetUtcNow().UtcDateTime + DeadlineSlack;
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            var code = deadlinePassed ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
            return new RpcException(new Status(code, "the call was cancelled before it finished"));
        }

        // Past the deadline the server may complete the response before it signals the token:
        // a write then fails as the call being over, which is the deadline, not a fault.
        if (deadlinePassed && exception is OperationCanceledException or InvalidOperationException or IOException)
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, "the call was cancelled before it finished"));
        }

        LogUnhandled(logger, context.Method, exception);
        var traceId = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? "none";
        return new RpcException(new Status(StatusCode.Internal, $"internal error; the server log has the details under trace {traceId}"));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception in {Method}")]
    private static partial void LogUnhandled(ILogger logger, string method, Exception exception);
}
