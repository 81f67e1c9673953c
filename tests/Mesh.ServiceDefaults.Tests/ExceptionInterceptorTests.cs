using Grpc.Core;
using Mesh.ServiceDefaults.Errors;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.ServiceDefaults.Tests;

public sealed class ExceptionInterceptorTests
{
    private readonly ExceptionInterceptor _interceptor = new(TimeProvider.System, NullLogger<ExceptionInterceptor>.Instance);

    [Fact]
    public async Task WriteFailsAfterTheDeadlineBeforeTheTokenIsSignalled_DeadlineExceeded()
    {
        var context = new Context(DateTime.UtcNow.AddSeconds(-1), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RpcException>(() => _interceptor.ServerStreamingServerHandler<string, string>(
            "request", null!, context, (_, _, _) => throw new InvalidOperationException("Can't write the message because the request is complete.")));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task SameFailureWellBeforeTheDeadline_InternalWithoutTheDetails()
    {
        var context = new Context(DateTime.UtcNow.AddMinutes(1), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RpcException>(() => _interceptor.ServerStreamingServerHandler<string, string>(
            "request", null!, context, (_, _, _) => throw new InvalidOperationException("secret detail")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("secret detail", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerCancelledBeforeTheDeadline_Cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var context = new Context(DateTime.UtcNow.AddMinutes(1), cancelled.Token);

        var error = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>(
            "request", context, (_, _) => throw new OperationCanceledException(cancelled.Token)));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    private sealed class Context(DateTime deadline, CancellationToken cancellationToken) : ServerCallContext
    {
        protected override string MethodCore => "/mesh.test.v1.Test/Call";

        protected override string HostCore => "127.0.0.1";

        protected override string PeerCore => "ipv4:127.0.0.1:50000";

        protected override DateTime DeadlineCore => deadline;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => cancellationToken;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore { get; } = new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
