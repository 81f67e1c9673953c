using Grpc.Core;
using Grpc.Core.Interceptors;
using Mesh.Usage.V1;

namespace Mesh.Metering.Calls;

/// <summary>
/// Opens a <see cref="UsageScope"/> around every metered RPC and records its one usage event
/// when the call ends: OK, failed or cancelled, with what the handler measured up to then. The
/// event is recorded (spooled) before the response completes, its id travels back in the
/// <c>x-mesh-usage-id</c> trailer, and it is recorded without the call's cancellation token,
/// because work that ran is billed even when the caller has gone.
/// </summary>
public sealed class MeteringInterceptor(IEnumerable<MeteredMethod> methods, UsageRecorder recorder, TimeProvider time) : Interceptor
{
    /// <summary>The response trailer naming the call's usage event.</summary>
    public const string UsageIdTrailer = "x-mesh-usage-id";

    private readonly Dictionary<string, UsageKind> _methods = methods.ToDictionary(m => m.Method, m => m.Kind, StringComparer.Ordinal);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!_methods.TryGetValue(context.Method, out var kind))
        {
            return await continuation(request, context);
        }

        var scope = Open(kind);
        using var entered = UsageScope.Enter(scope);
        try
        {
            var response = await continuation(request, context);
            await CloseAsync(scope, context, null);
            return response;
        }
        catch (Exception ex)
        {
            await CloseAsync(scope, context, ex);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!_methods.TryGetValue(context.Method, out var kind))
        {
            await continuation(request, responseStream, context);
            return;
        }

        var scope = Open(kind);
        using var entered = UsageScope.Enter(scope);
        try
        {
            await continuation(request, responseStream, context);
            await CloseAsync(scope, context, null);
        }
        catch (Exception ex)
        {
            await CloseAsync(scope, context, ex);
            throw;
        }
    }

    private UsageScope Open(UsageKind kind) => new(recorder.Start(kind, "", ""), time.GetTimestamp());

    private async Task CloseAsync(UsageScope scope, ServerCallContext context, Exception? failure)
    {
        if (scope.Refused)
        {
            return;
        }

        var usage = scope.Event;
        usage.TotalMs = time.GetElapsedTime(scope.StartedAt).TotalMilliseconds;
        if (failure is not null && usage.Status == UsageStatus.Ok)
        {
            var cancelled = IsCancellation(failure, context);
            usage.Status = cancelled ? UsageStatus.Cancelled : UsageStatus.Error;
            if (!usage.Attributes.ContainsKey("error.type"))
            {
                usage.Attributes["error.type"] = cancelled ? "cancelled" : ErrorType(failure);
            }
        }

        context.ResponseTrailers.Add(UsageIdTrailer, usage.EventId);
        await recorder.RecordAsync(usage, CancellationToken.None);
    }

    private static bool IsCancellation(Exception failure, ServerCallContext context) =>
        failure is OperationCanceledException
        || failure is RpcException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded }
        || context.CancellationToken.IsCancellationRequested;

    private static string ErrorType(Exception failure) => failure is RpcException rpc
        ? rpc.StatusCode.ToString()
        : failure.GetType().Name;
}
