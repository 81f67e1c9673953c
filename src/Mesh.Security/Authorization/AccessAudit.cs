using Mesh.Metering;
using Mesh.Usage.V1;

namespace Mesh.Security.Authorization;

/// <summary>
/// Records each access decision as a usage event of kind audit: who, acting as which agent, on
/// what object and relation, allowed or denied, what decided, and a digest of the request.
/// The run and step go in attributes, so run-level usage counts only work.
/// </summary>
public sealed class AccessAudit(UsageRecorder usage)
{
    /// <summary>Records a decision without waiting for it (from code that cannot await); the usage buffer keeps it.</summary>
    public void Record(AccessRequest request, string method, AccessDecision decision)
    {
        var recording = RecordAsync(request, method, decision);
        if (!recording.IsCompletedSuccessfully)
        {
            _ = recording.AsTask();
        }
    }

    public ValueTask RecordAsync(AccessRequest request, string method, AccessDecision decision)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(decision);
        var audit = usage.Start(UsageKind.Audit, request.Object, "");
        audit.Status = decision.Allowed ? UsageStatus.Ok : UsageStatus.Denied;
        audit.PrincipalId = request.Caller.PrincipalId;
        audit.TenantId = request.Caller.TenantId;
        audit.AgentId = request.AgentId;
        var attributes = audit.Attributes;
        if (audit.RunId.Length > 0)
        {
            attributes["run_id"] = audit.RunId;
            attributes["step_id"] = audit.StepId;
        }

        audit.RunId = audit.StepId = "";
        attributes["decision"] = decision.Allowed ? "allow" : "deny";
        attributes["relation"] = $"{request.Object}#{request.Relation}";
        attributes["reason"] = decision.Reason;
        attributes["method"] = method;
        attributes["request_digest"] = request.Digest;
        if (decision.ReservedUsd.Length > 0)
        {
            attributes["reserved_usd"] = decision.ReservedUsd;
        }

        if (request.AlsoRequired.Count > 0)
        {
            attributes["also_required"] = string.Join(' ', request.AlsoRequired);
        }
        attributes["subject"] = request.Caller.Subject;
        if (decision.DeniedBy.Length > 0)
        {
            attributes["denied_by"] = decision.DeniedBy;
        }

        if (decision.ReservationId.Length > 0)
        {
            attributes["reservation"] = decision.ReservationId;
        }

        if (request.Caller.CredentialId is { } credential)
        {
            attributes["credential"] = credential;
        }

        // An audit record must not be lost because the caller went away.
        return usage.RecordAsync(audit, CancellationToken.None);
    }
}
