namespace Mesh.Testing;

/// <summary>
/// A handler to another in-memory host, made on the first request rather than when the client is
/// built: hosts that call each other can then start in any order without starting each other.
/// </summary>
public sealed class LazyHandler(Func<HttpMessageHandler> create) : HttpMessageHandler
{
    private readonly Lazy<HttpMessageInvoker> _inner = new(() => new HttpMessageInvoker(create()), LazyThreadSafetyMode.ExecutionAndPublication);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _inner.Value.SendAsync(request, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing && _inner.IsValueCreated)
        {
            _inner.Value.Dispose();
        }

        base.Dispose(disposing);
    }
}
