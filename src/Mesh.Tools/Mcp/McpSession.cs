using ModelContextProtocol.Client;

namespace Mesh.Tools.Mcp;

/// <summary>A live connection to one MCP server, with what keeps it (a stdio server's sandbox and workspace).</summary>
public sealed class McpSession(McpClient client, IReadOnlyList<IDisposable> owned, StderrTail stderr) : IAsyncDisposable
{
    public McpClient Client { get; } = client;

    /// <summary>The last lines a stdio server wrote to stderr.</summary>
    public StderrTail Stderr { get; } = stderr;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.DisposeAsync();
        }
        finally
        {
            foreach (var item in owned)
            {
                item.Dispose();
            }
        }
    }
}

/// <summary>The last few lines a server wrote to stderr, for error messages.</summary>
public sealed class StderrTail
{
    private const int Lines = 8;
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line.Length > 300 ? line[..300] : line);
            while (_lines.Count > Lines)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            return _lines.Count == 0 ? "" : $" (its stderr: {string.Join(" | ", _lines)})";
        }
    }
}
