using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Agents.Runs.Engine;

/// <summary>
/// Keeps run histories small: a value in an event larger than the threshold is stored once by
/// its SHA-256 (content-addressed, so the same result stored twice is one blob) and the event
/// holds <c>{"$blob": "sha256:..."}</c> instead.
/// </summary>
public sealed class LargeValues(int threshold)
{
    public const string BlobKey = "$blob";

    public int Threshold => threshold;

    /// <summary>The value to put in an event: itself, or a reference to a blob added to <paramref name="blobs"/>.</summary>
    public JsonNode? Externalize(JsonNode? value, List<(string Hash, byte[] Content)> blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        if (value is null)
        {
            return null;
        }

        var json = value.ToJsonString();
        if (json.Length <= threshold / 4 && Encoding.UTF8.GetByteCount(json) <= threshold)
        {
            return value.DeepClone();
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        if (bytes.Length <= threshold)
        {
            return value.DeepClone();
        }

        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!blobs.Any(b => b.Hash == hash))
        {
            blobs.Add((hash, bytes));
        }

        return new JsonObject { [BlobKey] = hash };
    }

    public static bool IsReference(JsonNode? value, out string hash)
    {
        hash = "";
        if (value is JsonObject { Count: 1 } obj && obj[BlobKey] is JsonValue v && v.TryGetValue<string>(out var h))
        {
            hash = h;
            return true;
        }

        return false;
    }
}
