using Mesh.ServiceDefaults.Errors;

namespace Mesh.Tools.Registry;

/// <summary>The rules a tool name follows: lower case letters, digits, '-' and '_', starting with a letter, at most 64 characters.</summary>
public static class ToolNames
{
    public const int MaxLength = 64;

    private static readonly System.Buffers.SearchValues<char> Allowed = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>Null when <paramref name="name"/> is a valid name, else what is wrong.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"is {name.Length} characters long; at most {MaxLength}";
        }

        if (name[0] is < 'a' or > 'z')
        {
            return "must start with a lower case letter";
        }

        var bad = name.AsSpan().IndexOfAnyExcept(Allowed);
        return bad >= 0 ? $"has '{name[bad]}' at position {bad}; use lower case letters, digits, '-' and '_'" : null;
    }

    /// <summary><paramref name="name"/>, or InvalidArgument for <paramref name="field"/>.</summary>
    public static string Check(string name, string field) =>
        Problem(name) is { } problem ? throw MeshErrors.InvalidArgument(field, problem) : name;
}
