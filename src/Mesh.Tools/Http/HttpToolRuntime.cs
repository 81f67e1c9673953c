using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Registry;
using Mesh.Tools.Runtimes;

namespace Mesh.Tools.Http;

/// <summary>
/// Registered HTTP tools (<c>http</c>): one endpoint on the tenant's allow-list; GET sends the
/// arguments as query parameters, POST as a JSON body. The allow-list is checked at every call.
/// </summary>
public sealed class HttpToolRuntime(HttpCaller caller) : IToolRuntime
{
    public string Kind => ToolRuntimes.Http;

    public IEnumerable<(string Field, string Problem)> Check(ToolDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var (method, url) = Spec(definition);
        if (method is not ("GET" or "POST"))
        {
            yield return ("http.method", $"'{method}' is not GET or POST");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
        {
            yield return ("http.url", $"'{url}' is not an absolute http or https URL without credentials");
        }

        if (definition.Limits is not null)
        {
            yield return ("limits", "an HTTP tool has no sandbox limits; its timeout bounds it");
        }
    }

    public ITool Create(ToolDefinition definition) => new RegisteredHttpTool(definition, caller);

    private static (string Method, string Url) Spec(ToolDefinition definition) => (
        definition.Spec.TryGetProperty("method", out var m) ? m.GetString() ?? "" : "",
        definition.Spec.TryGetProperty("url", out var u) ? u.GetString() ?? "" : "");

    private sealed class RegisteredHttpTool(ToolDefinition definition, HttpCaller caller) : ITool
    {
        public ToolDescriptor Descriptor { get; } = definition.Descriptor(HttpTool.Name);

        public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
        {
            var (method, url) = Spec(definition);
            var tenant = ToolRun.Current?.Tenant ?? throw MeshErrors.FailedPrecondition("an HTTP tool runs only within a tenant's call");
            var target = new Uri(url);
            using var body = method == "POST" ? HttpCaller.Json(arguments.GetRawText()) : null;
            if (method == "GET")
            {
                var query = string.Join('&', arguments.EnumerateObject().Select(p =>
                    $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())}"));
                target = new UriBuilder(target) { Query = string.Join('&', new[] { target.Query.TrimStart('?'), query }.Where(q => q.Length > 0)) }.Uri;
            }

            return await caller.SendAsync(tenant, method == "POST" ? HttpMethod.Post : HttpMethod.Get, target, new Dictionary<string, string>(), body,
                Descriptor.Timeout - TimeSpan.FromMilliseconds(Math.Min(500, Descriptor.Timeout.TotalMilliseconds / 10)), cancellationToken);
        }
    }
}
