namespace Mesh.Inference.Structured;

/// <summary>The stacks the text so far can be in (several while an anyOf or enum is undecided); equal sets compare equal.</summary>
public sealed class MatchState : IEquatable<MatchState>
{
    private readonly int _hash;

    public MatchState(IReadOnlyList<FrameStack> stacks)
    {
        ArgumentNullException.ThrowIfNull(stacks);
        Stacks = stacks;
        foreach (var stack in stacks)
        {
            _hash += stack.GetHashCode();
        }
    }

    public IReadOnlyList<FrameStack> Stacks { get; }

    public bool IsDead => Stacks.Count == 0;

    public bool CanEnd => Stacks.Any(JsonMatcher.CanEnd);

    public int MinCompletion => Stacks.Count == 0 ? int.MaxValue : Stacks.Min(JsonMatcher.MinCompletion);

    /// <summary>The state after <paramref name="c"/> (dead when nothing accepts it).</summary>
    public MatchState Feed(char c)
    {
        var next = new List<FrameStack>(Stacks.Count);
        foreach (var stack in Stacks)
        {
            JsonMatcher.Feed(stack, c, next);
        }

        return new MatchState(next.Count > 1 ? [.. next.Distinct()] : next);
    }

    public MatchState Feed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var state = this;
        foreach (var c in text)
        {
            state = state.Feed(c);
            if (state.IsDead)
            {
                break;
            }
        }

        return state;
    }

    public bool Equals(MatchState? other) =>
        other is not null && other._hash == _hash && other.Stacks.Count == Stacks.Count && Stacks.All(other.Stacks.Contains);

    public override bool Equals(object? obj) => Equals(obj as MatchState);

    public override int GetHashCode() => _hash;
}
