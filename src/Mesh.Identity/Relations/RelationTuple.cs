using Mesh.Security.Authorization;

namespace Mesh.Identity.Relations;

/// <summary>An object or subject reference: <c>type:id</c>, or a userset <c>type:id#relation</c>.</summary>
public readonly record struct ObjectRef(string Type, string Id, string Relation = "")
{
    public bool IsUserset => Relation.Length > 0;

    public override string ToString() => IsUserset ? $"{Type}:{Id}#{Relation}" : $"{Type}:{Id}";

    public static bool TryParse(string? text, out ObjectRef reference)
    {
        reference = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        var hash = value.IndexOf('#', StringComparison.Ordinal);
        var relation = hash >= 0 ? value[(hash + 1)..] : "";
        var body = hash >= 0 ? value[..hash] : value;
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == body.Length - 1 || (hash >= 0 && relation.Length == 0))
        {
            return false;
        }

        // One canonical form at write and at check: a spelling in another case is the same object.
        var id = CanonicalId.Of(body[(colon + 1)..]);
        if (id.Length == 0 || CanonicalId.Problem(value) is not null)
        {
            return false;
        }

        reference = new ObjectRef(body[..colon].Trim().ToLowerInvariant(), id, relation.Trim().ToLowerInvariant());
        return true;
    }
}

/// <summary>One relationship: <c>object#relation@subject</c>.</summary>
public readonly record struct RelationTuple(ObjectRef Object, string Relation, ObjectRef Subject)
{
    public override string ToString() => $"{Object}#{Relation}@{Subject}";
}
