namespace Mesh.Identity.Relations;

/// <summary>
/// Relationship tuples per tenant, with a revision that every write bumps. SQLite by default;
/// a shared database can fill it so that replicas answer from the same committed state.
/// </summary>
public interface IRelationStore
{
    /// <summary>Adds and removes tuples in one transaction; returns the new revision and how many changed.</summary>
    (long Revision, int Changed) Write(string tenantId, IReadOnlyList<RelationTuple> add, IReadOnlyList<RelationTuple> remove);

    /// <summary>A consistent view of the latest committed state for one decision.</summary>
    IRelationReader OpenReader(string tenantId);
}

/// <summary>Reads one snapshot: every query of a check sees the same revision.</summary>
public interface IRelationReader : IDisposable
{
    long Revision { get; }

    /// <summary>Does any subject hold <paramref name="relation"/> on <paramref name="obj"/>?</summary>
    bool Any(ObjectRef obj, string relation);

    /// <summary>Is <paramref name="subject"/> (or <c>type:*</c>) named directly in <paramref name="obj"/>#<paramref name="relation"/>?</summary>
    bool HasDirect(ObjectRef obj, string relation, ObjectRef subject);

    /// <summary>The usersets (<c>type:id#relation</c>) holding <paramref name="relation"/> on <paramref name="obj"/>.</summary>
    IReadOnlyList<ObjectRef> Usersets(ObjectRef obj, string relation);

    /// <summary>Ids of objects of <paramref name="type"/> with any <paramref name="relation"/> tuple.</summary>
    IReadOnlyList<string> ObjectIds(string type, string relation);

    /// <summary>Tuples matching the filter; empty parts match anything.</summary>
    IReadOnlyList<RelationTuple> Read(string objectType, string objectId, string relation, ObjectRef? subject);

    /// <summary>
    /// Says which <see cref="Any"/>, <see cref="HasDirect"/> and <see cref="Usersets"/> questions
    /// about <paramref name="subject"/> a decision is about to ask, so a store across a network
    /// can answer them in one round trip. Only a hint: the questions are still asked.
    /// </summary>
    void Prefetch(ObjectRef subject, IReadOnlyList<(ObjectRef Object, string Relation)> relations)
    {
    }
}
