namespace Mesh.Inference.OpenAi;

/// <summary>The OpenAI-compatible HTTP front (<c>Mesh:OpenAi</c>).</summary>
public sealed class OpenAiOptions
{
    public const string SectionName = "Mesh:OpenAi";

    /// <summary>
    /// The Kestrel endpoint (<c>Kestrel:Endpoints:&lt;name&gt;</c>, HTTP/1.1) whose port serves <c>/v1</c>;
    /// requests for <c>/v1</c> on the service's other ports get 404. Empty: every port serves it.
    /// </summary>
    public string Endpoint { get; set; } = "openai";

    public IEnumerable<string> Problems()
    {
        if (Endpoint.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_')))
        {
            yield return $"{SectionName}:Endpoint must be a Kestrel endpoint name (letters, digits, - and _), was '{Endpoint}'";
        }
    }
}
