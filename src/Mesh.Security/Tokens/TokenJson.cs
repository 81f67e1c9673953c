using System.Text.Json;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Tokens;

/// <summary>The JSON claims of a Mesh token: registered JWT claims plus tid, pk, act and scope.</summary>
internal static class TokenJson
{
    public static byte[] Write(TokenClaims claims)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("iss", claims.Issuer);
            json.WriteString("sub", claims.Subject);
            json.WriteString("tid", claims.TenantId);
            json.WriteString("pk", Caller.KindName(claims.Kind));
            WriteList(json, "aud", claims.Audiences);
            json.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", claims.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", claims.ExpiresAt.ToUnixTimeSeconds());
            json.WriteString("jti", claims.TokenId);
            if (!string.IsNullOrEmpty(claims.Source))
            {
                json.WriteString("src", claims.Source);
            }

            if (!string.IsNullOrEmpty(claims.Actor))
            {
                json.WriteStartObject("act");
                json.WriteString("sub", claims.Actor);
                json.WriteEndObject();
            }

            if (!claims.Scope.IsUnrestricted)
            {
                json.WriteStartObject("scope");
                WriteList(json, "tools", claims.Scope.Tools);
                WriteList(json, "models", claims.Scope.Models);
                WriteList(json, "agents", claims.Scope.Agents);
                json.WriteString("run", claims.Scope.RunId);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The claims, or null when a required claim is missing or malformed.</summary>
    public static TokenClaims? Read(JsonDocument document)
    {
        using (document)
        {
            var root = document.RootElement;
            if (Text(root, "sub") is not { Length: > 0 } subject || Text(root, "tid") is not { Length: > 0 } tenant
                || Seconds(root, "exp") is not { } expires || Seconds(root, "iat") is not { } issued
                || !Caller.TryParseKind(Text(root, "pk"), out var kind))
            {
                return null;
            }

            var scope = root.TryGetProperty("scope", out var s) && s.ValueKind == JsonValueKind.Object
                ? new AccessScope { Tools = List(s, "tools"), Models = List(s, "models"), Agents = List(s, "agents"), RunId = Text(s, "run") ?? "" }
                : AccessScope.Unrestricted;
            return new TokenClaims
            {
                Issuer = Text(root, "iss") ?? "",
                Subject = subject,
                TenantId = tenant,
                Kind = kind,
                Actor = root.TryGetProperty("act", out var act) && act.ValueKind == JsonValueKind.Object ? Text(act, "sub") : null,
                Audiences = root.TryGetProperty("aud", out var aud) && aud.ValueKind == JsonValueKind.String ? [aud.GetString()!] : List(root, "aud"),
                IssuedAt = issued,
                ExpiresAt = expires,
                TokenId = Text(root, "jti") ?? "",
                Scope = scope,
                Source = Text(root, "src"),
            };
        }
    }

    private static void WriteList(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static string[] List(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];
}
