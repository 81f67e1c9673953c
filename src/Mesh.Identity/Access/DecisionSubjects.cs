using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Access;

/// <summary>Reads the subject a service names in Authorize or Reserve.</summary>
public static class DecisionSubjects
{
    public static DecisionSubject From(Subject? subject)
    {
        var s = subject ?? throw MeshErrors.InvalidArgument("subject", "is required: the tenant, principal and kind the work is for");
        if (!Caller.TryParseKind(s.Kind, out var kind))
        {
            throw MeshErrors.InvalidArgument("subject.kind", $"'{s.Kind}' is not a principal kind; use user, agent or service");
        }

        if (string.IsNullOrWhiteSpace(s.TenantId) || string.IsNullOrWhiteSpace(s.PrincipalId))
        {
            throw MeshErrors.InvalidArgument("subject", "tenant_id and principal_id are required");
        }

        return new DecisionSubject(new Caller(s.PrincipalId, s.TenantId, kind, s.Admin), s.ActorId ?? "", s.Delegated || !string.IsNullOrEmpty(s.ActorId));
    }
}
