using System.Collections.Concurrent;

namespace Mesh.Tools.Mcp;

/// <summary>
/// One live session per tenant's MCP server, opened on first use and shared by concurrent calls
/// (MCP requests are multiplexed); a session that broke is dropped and the next call opens a new
/// one. Every session ends with the service.
/// </summary>
public sealed partial class McpSessions(McpConnector connector, ILogger<McpSessions> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Tenant, string Server), Lazy<Task<McpSession>>> _sessions = new();

    /// <summary>The server's session, connecting within <see cref="McpServerDefinition.ConnectTimeout"/> when there is none.</summary>
    public async Task<McpSession> SessionAsync(McpServerDefinition server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var key = (server.Tenant, server.Name);
        var lazy = _sessions.GetOrAdd(key, _ => new Lazy<Task<McpSession>>(() => ConnectAsync(server)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _sessions.TryRemove(new KeyValuePair<(string, string), Lazy<Task<McpSession>>>(key, lazy));
            throw;
        }
    }

    /// <summary>Closes the session (the server broke, or was removed); the next use opens a new one.</summary>
    public async Task DropAsync(string tenant, string server)
    {
        if (_sessions.TryRemove((tenant, server), out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            await CloseAsync(await lazy.Value);
        }
    }

    /// <summary>Keeps a session opened elsewhere (when a server is added) for the calls that follow.</summary>
    public async Task AdoptAsync(McpServerDefinition server, McpSession session)
    {
        ArgumentNullException.ThrowIfNull(server);
        await DropAsync(server.Tenant, server.Name);
        _sessions[(server.Tenant, server.Name)] = new Lazy<Task<McpSession>>(Task.FromResult(session));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _sessions.Keys.ToList())
        {
            await DropAsync(key.Tenant, key.Server);
        }
    }

    private async Task<McpSession> ConnectAsync(McpServerDefinition server)
    {
        // Not the first caller's token: the connection outlives the call that opened it.
        using var timeout = new CancellationTokenSource(server.ConnectTimeout);
        try
        {
            return await connector.ConnectAsync(server, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"MCP server '{server.Name}' did not answer within {server.ConnectTimeout.TotalMilliseconds} ms");
        }
    }

    private async Task CloseAsync(McpSession session)
    {
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            LogCloseFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Debug, Message = "Closing an MCP session failed")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception);
}
