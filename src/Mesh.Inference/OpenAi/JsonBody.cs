using System.Text.Json;

namespace Mesh.Inference.OpenAi;

/// <summary>
/// A JSON request body read field by field, so every problem names its field: a wrong type, a
/// value out of range, or a parameter this server does not support (refused, never ignored).
/// </summary>
public sealed class JsonBody
{
    private readonly JsonElement _root;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private JsonBody(JsonElement root) => _root = root;

    public static async Task<JsonBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new OpenAiRequestException(null, $"the body must be JSON (Content-Type: application/json), not {type}");
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? new JsonBody(document.RootElement.Clone())
                : throw new OpenAiRequestException(null, "the body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new OpenAiRequestException(null, $"the body is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>The field, or null when absent or JSON null.</summary>
    public JsonElement? Get(string name)
    {
        _read.Add(name);
        return _root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
    }

    public string RequiredString(string name) => String(name) is { Length: > 0 } value
        ? value
        : throw new OpenAiRequestException(name, $"you must provide '{name}'", "missing_required_parameter");

    public string? String(string name) => Get(name) is not { } value ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw OpenAiRequestException.Invalid(name, $"expected a string, got {Kind(value)}");

    public bool Bool(string name, bool fallback = false) => Get(name) is not { } value ? fallback
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw OpenAiRequestException.Invalid(name, $"expected a boolean, got {Kind(value)}");

    public int? Int(string name, int min, int max)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            throw OpenAiRequestException.Invalid(name, $"expected an integer, got {Kind(value)}");
        }

        return number < min || number > max
            ? throw OpenAiRequestException.Invalid(name, $"{number} is out of range; give {min} to {max}")
            : (int)number;
    }

    public double? Number(string name, double min, double max)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw OpenAiRequestException.Invalid(name, $"expected a number, got {Kind(value)}");
        }

        var number = value.GetDouble();
        return number < min || number > max ? throw OpenAiRequestException.Invalid(name, $"{number} is out of range; give {min} to {max}") : number;
    }

    /// <summary>A string or an array of strings (e.g. <c>stop</c>).</summary>
    public List<string> Strings(string name)
    {
        if (Get(name) is not { } value)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw OpenAiRequestException.Invalid(name, "expected a string or an array of strings");
        }

        return [.. value.EnumerateArray().Select(e => e.GetString()!)];
    }

    /// <summary>Refuses a parameter unless it is absent or has its default value (what this server does anyway).</summary>
    public void OnlyDefault(string name, Func<JsonElement, bool> isDefault, string why)
    {
        ArgumentNullException.ThrowIfNull(isDefault);
        if (Get(name) is { } value && !isDefault(value))
        {
            throw OpenAiRequestException.Unsupported(name, why);
        }
    }

    /// <summary>Refuses every field the endpoint did not read: unsupported parameters are an error, not silently ignored.</summary>
    public void RefuseUnread(string endpoint)
    {
        foreach (var property in _root.EnumerateObject())
        {
            if (!_read.Contains(property.Name))
            {
                throw OpenAiRequestException.Unsupported(property.Name, $"is not supported by {endpoint} on this server");
            }
        }
    }

    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
