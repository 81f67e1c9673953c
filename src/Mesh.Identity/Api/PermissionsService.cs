using Grpc.Core;
using Mesh.Identity.Access;
using Mesh.Identity.Budgets;
using Mesh.Identity.Relations;
using Mesh.Identity.V1;
using Mesh.Security;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Api;

/// <summary>Check, write, delete, read and list-objects over the relations of the caller's tenant.</summary>
public sealed class PermissionsService(
    PermissionEngine engine,
    IRelationStore store,
    Requester requester,
    DecisionPoint decisions,
    AccessAudit audit) : Permissions.PermissionsBase
{
    public override async Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Requester.Current;
        var subject = SubjectOf(caller, request.Subject);
        var obj = Parse(request.Object, "object");
        if (RelationSchema.Problem(obj.Type, request.Relation) is { } problem)
        {
            throw MeshErrors.InvalidArgument("relation", problem);
        }

        var result = engine.Check(subject, obj, request.Relation);
        if (result.Revision < request.AtLeastRevision)
        {
            throw MeshErrors.Unavailable($"this replica is at revision {result.Revision}, behind the requested {request.AtLeastRevision}; retry");
        }

        var decision = new AccessDecision(result.Allowed, result.Reason) { DeniedBy = result.Missing, Revision = result.Revision };
        await audit.RecordAsync(new AccessRequest(caller, CallScope.Current?.AgentId ?? "", obj.ToString(), request.Relation, default,
            RequestDigest.Of(context.Method, request)), context.Method, decision);
        return new CheckResponse { Allowed = result.Allowed, Reason = result.Reason, Revision = result.Revision };
    }

    public override Task<WriteRelationsResponse> WriteRelations(WriteRelationsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = requester.RequireTenantAdmin("write relations");
        var (revision, changed) = store.Write(caller.TenantId, Tuples(request.Relations), []);
        return Task.FromResult(new WriteRelationsResponse { Revision = revision, Changed = changed });
    }

    public override Task<WriteRelationsResponse> DeleteRelations(DeleteRelationsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = requester.RequireTenantAdmin("delete relations");
        var (revision, changed) = store.Write(caller.TenantId, [], Tuples(request.Relations));
        return Task.FromResult(new WriteRelationsResponse { Revision = revision, Changed = changed });
    }

    public override Task<ReadRelationsResponse> ReadRelations(ReadRelationsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = requester.RequireTenantAdmin("read relations");
        var (type, id) = string.IsNullOrWhiteSpace(request.Object) ? ("", "")
            : request.Object.Contains(':', StringComparison.Ordinal) ? (Parse(request.Object, "object").Type, Parse(request.Object, "object").Id)
            : (request.Object.Trim().ToLowerInvariant(), "");
        ObjectRef? subject = string.IsNullOrWhiteSpace(request.Subject) ? null : Parse(request.Subject, "subject");
        using var reader = store.OpenReader(caller.TenantId);
        var response = new ReadRelationsResponse { Revision = reader.Revision };
        response.Relations.AddRange(reader.Read(type, id, request.Relation?.Trim() ?? "", subject)
            .Select(t => new Relation { Object = t.Object.ToString(), Relation_ = t.Relation, Subject = t.Subject.ToString() }));
        return Task.FromResult(response);
    }

    public override Task<ListObjectsResponse> ListObjects(ListObjectsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = Requester.Current;
        var type = request.Type?.Trim().ToLowerInvariant() ?? "";
        if (RelationSchema.Problem(type, request.Relation) is { } problem)
        {
            throw MeshErrors.InvalidArgument("relation", problem);
        }

        var (ids, revision) = engine.ListObjects(SubjectOf(caller, request.Subject), type, request.Relation, request.Candidates);
        var response = new ListObjectsResponse { Revision = revision };
        response.Objects.AddRange(ids.Select(id => $"{type}:{id}"));
        return Task.FromResult(response);
    }

    public override async Task<AuthorizeResponse> Authorize(AuthorizeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        ServiceRights.Require(ServiceRight.Authorize, "ask for access decisions");
        var subject = DecisionSubjects.From(request.Subject);
        if (!Nanos.TryParseUsd(string.IsNullOrEmpty(request.MaxCostUsd) ? "0" : request.MaxCostUsd, out var extra) || request.MaxTokens < 0)
        {
            throw MeshErrors.InvalidArgument("max_cost_usd", "must be a non-negative decimal, and max_tokens not negative");
        }

        var decision = await decisions.DecideAsync(subject, request.Object, request.Relation, [.. request.Also], request.MaxUsage,
            Nanos.FromUsdCeiling(extra), request.MaxTokens, context.CancellationToken);
        return new AuthorizeResponse
        {
            Allowed = decision.Allowed,
            Reason = decision.Reason,
            DeniedBy = decision.DeniedBy,
            ReservationId = decision.ReservationId,
            ReservedUsd = decision.ReservedUsd,
            Revision = decision.Revision,
            BudgetExhausted = decision.BudgetExhausted,
        };
    }

    /// <summary>The caller, or (tenant admins only) another subject of the caller's tenant.</summary>
    private CheckSubject SubjectOf(Caller caller, string subject)
    {
        if (string.IsNullOrWhiteSpace(subject) || subject == caller.Subject)
        {
            return DecisionPoint.Subject(caller);
        }

        requester.RequireTenantAdmin("check other subjects");
        return new CheckSubject(caller.TenantId, Parse(subject, "subject"), IsMeshAdmin: false, IsCaller: false);
    }

    private static List<RelationTuple> Tuples(IEnumerable<Relation> relations)
    {
        var tuples = new List<RelationTuple>();
        foreach (var (relation, i) in relations.Select((r, i) => (r, i)))
        {
            var tuple = new RelationTuple(Parse(relation.Object, $"relations[{i}].object"), relation.Relation_?.Trim().ToLowerInvariant() ?? "",
                Parse(relation.Subject, $"relations[{i}].subject"));
            if (RelationSchema.Problem(tuple) is { } problem)
            {
                throw MeshErrors.InvalidArgument($"relations[{i}]", problem);
            }

            tuples.Add(tuple);
        }

        return tuples.Count > 0 ? tuples : throw MeshErrors.InvalidArgument("relations", "name at least one relation");
    }

    private static ObjectRef Parse(string text, string field) =>
        ObjectRef.TryParse(text, out var reference) ? reference : throw MeshErrors.InvalidArgument(field, $"'{text}' is not type:id or type:id#relation");
}
