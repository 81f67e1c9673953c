using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Http;

/// <summary>The built-in <c>http</c> tool: GET or POST to a host on the tenant's allow-list, within size and time limits.</summary>
public sealed class HttpTool(HttpCaller caller) : ITool
{
    public const string Name = "http";

    /// <summary>Headers the tool sets itself or that would reach past the request.</summary>
    private static readonly string[] ForbiddenHeaders = ["host", "content-length", "transfer-encoding", "connection", "upgrade", "proxy-authorization", "te", "trailer"];

    private const string Schema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {
            "method": { "enum": ["GET", "POST"], "description": "default GET" },
            "url": { "type": "string", "minLength": 8, "maxLength": 4096, "description": "http(s) URL on the tenant's allow-list" },
            "headers": { "type": "object", "additionalProperties": { "type": "string", "maxLength": 4096 }, "maxProperties": 32 },
            "body": { "description": "POST body: a string is sent as text/plain, anything else as JSON" },
            "timeout_ms": { "type": "integer", "minimum": 100, "maximum": 15000 }
          },
          "required": ["url"],
          "additionalProperties": false
        }
        """;

    public ToolDescriptor Descriptor { get; } = new(Name, "1.0.0",
        "Sends an HTTP GET or POST to a host on the tenant's allow-list (redirects checked too; private addresses only when listed) and returns the status, a few headers and up to 1 MiB of the body.",
        Schema, TimeSpan.FromSeconds(15), SideEffect.Write)
    {
        PriceClass = Name,
    };

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var method = arguments.TryGetProperty("method", out var m) && m.GetString() == "POST" ? HttpMethod.Post : HttpMethod.Get;
        var text = arguments.GetProperty("url").GetString()!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            throw new ToolArgumentException("/url", $"'{text}' is not an absolute URL");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (arguments.TryGetProperty("headers", out var given))
        {
            foreach (var header in given.EnumerateObject())
            {
                if (ForbiddenHeaders.Contains(header.Name.ToLowerInvariant()))
                {
                    throw new ToolArgumentException($"/headers/{header.Name}", $"the header '{header.Name}' is set by the tool itself");
                }

                headers[header.Name] = header.Value.GetString()!;
            }
        }

        HttpContent? body = null;
        if (arguments.TryGetProperty("body", out var content))
        {
            if (method != HttpMethod.Post)
            {
                throw new ToolArgumentException("/body", "a body goes with POST only; set method to POST");
            }

            body = content.ValueKind == JsonValueKind.String ? new StringContent(content.GetString()!) : HttpCaller.Json(content.GetRawText());
        }

        var timeout = arguments.TryGetProperty("timeout_ms", out var ms) ? TimeSpan.FromMilliseconds(ms.GetInt32()) : Descriptor.Timeout - TimeSpan.FromSeconds(1);
        var tenant = ToolRun.Current?.Tenant ?? throw MeshErrors.FailedPrecondition("the http tool runs only within a tenant's call");
        using (body)
        {
            return await caller.SendAsync(tenant, method, url, headers, body, timeout, cancellationToken);
        }
    }
}
