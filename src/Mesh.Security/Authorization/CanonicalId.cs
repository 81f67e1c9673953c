using System.Globalization;
using System.Text;

namespace Mesh.Security.Authorization;

/// <summary>
/// The one form of an object id (a model, tool, agent, principal ...) that relations are
/// written, checked and scoped with: trimmed, Unicode NFKC-normalized, lower case. Two spellings
/// that differ only in case or in compatibility characters (full-width letters, ligatures) are the
/// same object, so no spelling can get round a relation written for another.
/// </summary>
public static class CanonicalId
{
    public static string Of(string? id)
    {
        var trimmed = id?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return "";
        }

        var normalized = trimmed.IsNormalized(NormalizationForm.FormKC) ? trimmed : trimmed.Normalize(NormalizationForm.FormKC);
        return normalized.ToLowerInvariant();
    }

    /// <summary>A reason <paramref name="id"/> cannot be an id (control or invisible format characters), or null.</summary>
    public static string? Problem(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (var c in id)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return $"contains the invisible or control character U+{(int)c:X4}";
            }
        }

        return null;
    }
}
