using System.Collections.Concurrent;

namespace Mesh.Identity.Relations;

/// <summary>
/// Decisions already computed, each with the relations revision it was computed on. A decision
/// is a function of the relations at one revision and of who asks, so an entry answers a check
/// only on a snapshot at that same revision: every write bumps the revision, and the next check
/// computes afresh. Only checks about the authenticated caller itself are kept; a check about
/// another subject also reads the principal store, which the revision does not cover.
/// </summary>
public sealed class CheckCache
{
    /// <summary>Entries kept at most; when full, the cache starts over.</summary>
    public const int Capacity = 65_536;

    private readonly ConcurrentDictionary<Key, CheckResult> _results = new();

    public static bool Covers(CheckSubject subject) => subject.IsCaller && !subject.IsMeshAdmin;

    public bool TryGet(CheckSubject subject, ObjectRef obj, string relation, long revision, out CheckResult result) =>
        _results.TryGetValue(KeyOf(subject, obj, relation), out result!) && result.Revision == revision;

    public void Add(CheckSubject subject, ObjectRef obj, string relation, CheckResult result)
    {
        if (_results.Count >= Capacity)
        {
            _results.Clear();
        }

        _results[KeyOf(subject, obj, relation)] = result;
    }

    private static Key KeyOf(CheckSubject subject, ObjectRef obj, string relation) =>
        new(subject.TenantId, subject.Subject, subject.Delegated, obj, relation);

    private readonly record struct Key(string TenantId, ObjectRef Subject, bool Delegated, ObjectRef Object, string Relation);
}
