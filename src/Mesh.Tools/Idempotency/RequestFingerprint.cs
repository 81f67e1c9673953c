using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Mesh.Tools.Idempotency;

/// <summary>
/// What makes two calls "the same call": the tool, the version asked for and the arguments as
/// JSON values (object members in any order, any spacing), hashed with SHA-256.
/// </summary>
public static class RequestFingerprint
{
    public static byte[] Of(string tool, string requestedVersion, JsonElement arguments)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(tool.Trim().ToLowerInvariant());
            writer.WriteStringValue(requestedVersion ?? "");
            WriteCanonical(writer, arguments);
            writer.WriteEndArray();
        }

        return SHA256.HashData(buffer.WrittenSpan);
    }

    /// <summary>The value with object members sorted by name, so member order never changes the fingerprint.</summary>
    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
