using Mesh.Identity.Principals;

namespace Mesh.Identity.Relations;

/// <summary>The outcome of a check: allowed or not, why, and the revision it was computed on.</summary>
public sealed record CheckResult(bool Allowed, string Reason, long Revision)
{
    /// <summary>The relation that was missing, when denied.</summary>
    public string Missing { get; init; } = "";
}

/// <summary>Who is asking about whom: the subject, its tenant, and whether it is the authenticated caller.</summary>
public sealed record CheckSubject(string TenantId, ObjectRef Subject, bool IsMeshAdmin, bool IsCaller)
{
    /// <summary>The credential is a delegation (an actor or a scope): the subject's tenant-admin powers do not come with it.</summary>
    public bool Delegated { get; init; }
}

/// <summary>
/// Evaluates relations within a tenant on one consistent snapshot of the latest committed
/// state (so a check right after a write sees it). Tenant admins may do everything in their
/// tenant, with their own credential (a delegated one is checked as a plain member); a resource
/// with no invoker/reader relations is open to every member; otherwise a subject needs the
/// relation directly, through <c>type:*</c>, or through a userset. Grants (priority classes) are
/// closed until a relation opens them.
/// </summary>
public sealed class PermissionEngine(IRelationStore store, IPrincipalStore principals, CheckCache cache)
{
    private const int MaxDepth = 6;

    public CheckResult Check(CheckSubject subject, ObjectRef obj, string relation)
    {
        ArgumentNullException.ThrowIfNull(subject);
        using var reader = store.OpenReader(subject.TenantId);
        if (!CheckCache.Covers(subject))
        {
            return Check(reader, subject, obj, relation);
        }

        // The hint first: a store across a network starts the snapshot and reads the revision with it.
        Prefetch(reader, subject, obj, relation);
        if (cache.TryGet(subject, obj, relation, reader.Revision, out var known))
        {
            return known;
        }

        var result = Check(reader, subject, obj, relation);
        cache.Add(subject, obj, relation, result);
        return result;
    }

    /// <summary>The ids of <paramref name="type"/> objects the subject holds the relation on, among those with relations and <paramref name="candidates"/>.</summary>
    public (IReadOnlyList<string> Ids, long Revision) ListObjects(CheckSubject subject, string type, string relation, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(subject);
        using var reader = store.OpenReader(subject.TenantId);
        var ids = reader.ObjectIds(type, relation).Union(candidates, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return ([.. ids.Where(id => Check(reader, subject, new ObjectRef(type, id), relation).Allowed)], reader.Revision);
    }

    /// <summary>Is the subject an admin of its tenant?</summary>
    public bool IsTenantAdmin(CheckSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        using var reader = store.OpenReader(subject.TenantId);
        return subject.IsMeshAdmin || !subject.Delegated && Holds(reader, subject, TenantObject(subject), RelationSchema.Admin, 0);
    }

    private CheckResult Check(IRelationReader reader, CheckSubject subject, ObjectRef obj, string relation)
    {
        // The revision is read last: every query sees the same snapshot, and a store may fetch it with the first query it sends.
        var result = Decide(reader, subject, obj, relation);
        return result with { Revision = reader.Revision };
    }

    private CheckResult Decide(IRelationReader reader, CheckSubject subject, ObjectRef obj, string relation)
    {
        const long revision = 0; // Check fills in the snapshot's revision
        var who = subject.Subject.ToString();
        if (subject.IsMeshAdmin)
        {
            return new CheckResult(true, "mesh admin", revision);
        }

        var tenant = TenantObject(subject);
        Prefetch(reader, subject, obj, relation);
        if (obj.Type == RelationSchema.Tenant && obj.Id != subject.TenantId)
        {
            return Denied($"{who} has no {obj}#{relation}", $"{obj}#{relation}", revision);
        }

        if (!IsMember(reader, subject, 0))
        {
            return Denied($"{who} is not a member of tenant {subject.TenantId}", $"{tenant}#member", revision);
        }

        if (!subject.Delegated && Holds(reader, subject, tenant, RelationSchema.Admin, 0))
        {
            return new CheckResult(true, $"{who} is an admin of tenant {subject.TenantId}", revision);
        }

        if (obj == tenant && relation == RelationSchema.Admin && subject.Delegated)
        {
            // Asked by another service for an admin action (registering a tenant's tools, say).
            return Denied($"{who} acts with a delegated credential (an agent's token or a scoped key), which never carries tenant admin powers; use an unscoped credential of its own",
                $"{tenant}#admin", revision);
        }

        if (obj == tenant && relation == RelationSchema.Member)
        {
            return new CheckResult(true, $"{who} is a member of tenant {subject.TenantId}", revision);
        }

        if (RelationSchema.IsResource(obj.Type) && !reader.Any(obj, relation))
        {
            return new CheckResult(true, $"{obj} is open to members of tenant {subject.TenantId} (no {relation} relations restrict it)", revision);
        }

        return Holds(reader, subject, obj, relation, 0)
            ? new CheckResult(true, $"{who} holds {obj}#{relation}", revision)
            : Denied($"{who} lacks the relation {obj}#{relation}", $"{obj}#{relation}", revision);
    }

    private static void Prefetch(IRelationReader reader, CheckSubject subject, ObjectRef obj, string relation) =>
        reader.Prefetch(subject.Subject, [(TenantObject(subject), RelationSchema.Admin), (obj, relation)]);

    private bool IsMember(IRelationReader reader, CheckSubject subject, int depth) =>
        subject.IsCaller
        || principals.FindPrincipal(subject.TenantId, subject.Subject.Id) is { } p && SubjectRefs.Of(p) == subject.Subject
        || Holds(reader, subject, TenantObject(subject), RelationSchema.Member, depth)
        || Holds(reader, subject, TenantObject(subject), RelationSchema.Admin, depth);

    /// <summary>Does the subject hold <paramref name="relation"/> on <paramref name="obj"/> directly, by wildcard or through a userset?</summary>
    private bool Holds(IRelationReader reader, CheckSubject subject, ObjectRef obj, string relation, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        if (reader.HasDirect(obj, relation, subject.Subject))
        {
            return true;
        }

        foreach (var holder in reader.Usersets(obj, relation))
        {
            var userset = new ObjectRef(holder.Type, holder.Id);
            var matches = holder.Type == RelationSchema.Tenant && holder.Relation == RelationSchema.Member
                ? holder.Id == subject.TenantId && IsMember(reader, subject, depth + 1)
                : Holds(reader, subject, userset, holder.Relation, depth + 1);
            if (matches)
            {
                return true;
            }
        }

        return false;
    }

    private static ObjectRef TenantObject(CheckSubject subject) => new(RelationSchema.Tenant, subject.TenantId);

    private static CheckResult Denied(string reason, string missing, long revision) => new(false, reason, revision) { Missing = missing };
}

/// <summary>How principals appear as relation subjects.</summary>
public static class SubjectRefs
{
    public static ObjectRef Of(PrincipalRecord principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return new ObjectRef(Mesh.ServiceDefaults.Calls.Caller.KindName(principal.Kind), principal.Id);
    }
}
