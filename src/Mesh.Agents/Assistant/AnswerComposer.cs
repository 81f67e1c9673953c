using Mesh.Agents.Knowledge;

namespace Mesh.Agents.Assistant;

/// <summary>The outcome of a calculator call: a value, or why there is none.</summary>
public sealed record Calculation(string Expression, double? Value, string? Error);

/// <summary>Writes the assistant's answer from what its steps found.</summary>
public static class AnswerComposer
{
    /// <summary>Below this cosine similarity a passage is not taken as an answer.</summary>
    public const double RelevanceThreshold = 0.3;

    public static string Compose(IReadOnlyList<KnowledgeHit> hits, Calculation? calculation)
    {
        ArgumentNullException.ThrowIfNull(hits);
        if (calculation is not null)
        {
            return calculation.Value is { } value
                ? $"{calculation.Expression} = {value.ToString("G15", System.Globalization.CultureInfo.InvariantCulture)}"
                : $"I could not compute {calculation.Expression}: {calculation.Error}";
        }

        var best = hits.Count > 0 ? hits[0] : null;
        return best is not null && best.Score >= RelevanceThreshold
            ? best.Document.Text
            : "I don't know that yet. I can answer questions about Mesh and do arithmetic.";
    }
}
