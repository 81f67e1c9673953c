using Grpc.Core;

namespace Mesh.Inference.Scheduling;

/// <summary>A model's queue (or a tenant's part of it) is full: ResourceExhausted with a retry hint.</summary>
public static class QueueFull
{
    /// <summary>Trailer telling the caller how many milliseconds to wait before retrying.</summary>
    public const string RetryAfterTrailer = "retry-after-ms";

    public static RpcException Create(string message, TimeSpan retryAfter)
    {
        var milliseconds = (long)Math.Ceiling(Math.Clamp(retryAfter.TotalMilliseconds, 10, 60_000));
        return new RpcException(
            new Status(StatusCode.ResourceExhausted, $"{message}; retry in {milliseconds} ms"),
            new Metadata { { RetryAfterTrailer, milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
    }
}
