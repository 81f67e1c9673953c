using Mesh.Inference.Generation;

namespace Mesh.Inference.Structured;

/// <summary>One sequence's structured-output constraint: the matcher state of its text so far over a shared <see cref="SchemaGrammar"/>.</summary>
public sealed class JsonConstraint(SchemaGrammar grammar) : ITokenConstraint
{
    private MatchState _state = grammar.Start();

    public ReadOnlySpan<ulong> Allowed(int tokensLeft) => grammar.Allowed(_state, tokensLeft);

    public void Accept(int token)
    {
        if (token != grammar.EndOfText && token >= 0 && token < grammar.Table.Texts.Length && grammar.Table.Texts[token] is { } text)
        {
            _state = _state.Feed(text);
        }
    }
}
