namespace Mesh.Inference.Generation;

/// <summary>
/// Restricts which tokens a sequence may sample (structured output). The engine asks for the mask
/// before each token and reports the token chosen; the constraint itself lives outside the engine
/// (see Structured/), so the engine only applies a mask to the logits.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>
    /// The tokens allowed next as a bit set over the vocabulary (the end-of-text token set when the
    /// text may end here), given <paramref name="tokensLeft"/> tokens of budget, this one included.
    /// </summary>
    ReadOnlySpan<ulong> Allowed(int tokensLeft);

    /// <summary>The sequence took <paramref name="token"/>.</summary>
    void Accept(int token);
}
