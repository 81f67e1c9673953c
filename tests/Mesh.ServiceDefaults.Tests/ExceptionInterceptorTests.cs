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

    [Fact]
    public async Task StatusQuotingALongInput_MessageCutToFitATrailerWithCodeAndTrailersKept()
    {
        var context = new Context(DateTime.UtcNow.AddMinutes(1), CancellationToken.None);
        var name = new string('m', 100_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>(
            "request", context, (_, _) => throw MeshErrors.InvalidArgument("model", $"'{name}' is not a model")));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("model", error.Trailers.GetValue(MeshErrors.FieldTrailer));
        Assert.StartsWith("model: 'mmm", error.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(error.Status.Detail.Length, 3_000, StatusDetail.MaxEncodedBytes);
        Assert.EndsWith(" more characters)", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Cut_MultiByteText_FitsOnceEncodedAndNeverSplitsACharacter()
    {
        var detail = "tool '" + string.Concat(Enumerable.Repeat("é😀", 5_000)) + "' not found";

        var cut = StatusDetail.Cut(detail);
        var encoded = System.Text.Encoding.UTF8.GetBytes(cut).Sum(b => b is >= 0x20 and <= 0x7E && b != '%' ? 1 : 3);

        Assert.InRange(encoded, 3_000, StatusDetail.MaxEncodedBytes);
        Assert.False(char.IsHighSurrogate(cut[cut.IndexOf('…', StringComparison.Ordinal) - 1]));
        Assert.Equal("short message", StatusDetail.Cut("short message"));
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
