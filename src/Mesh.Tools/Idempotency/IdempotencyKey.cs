using Mesh.ServiceDefaults.Errors;

namespace Mesh.Tools.Idempotency;

/// <summary>The rules an idempotency key follows: 1 to 255 visible ASCII characters (a UUID, or run/step/attempt).</summary>
public static class IdempotencyKey
{
    public const string Field = "idempotency_key";
    public const int MaxLength = 255;

    /// <summary>The key as given, or InvalidArgument saying what is wrong with it.</summary>
    public static string Check(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length > MaxLength)
        {
            throw MeshErrors.InvalidArgument(Field, $"is {key.Length} characters long; at most {MaxLength} (a UUID or run/step/attempt is enough)");
        }

        var bad = key.IndexOfAnyExceptInRange('!', '~');
        if (bad >= 0)
        {
            throw MeshErrors.InvalidArgument(Field, $"has a character that is not visible ASCII at position {bad}; use letters, digits and punctuation only (no spaces)");
        }

        return key;
    }
}
