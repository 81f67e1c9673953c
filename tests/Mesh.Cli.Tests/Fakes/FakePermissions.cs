using System.Collections.Concurrent;
using Grpc.Core;
using Mesh.Identity.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>A Permissions service that keeps the relations it is asked to write.</summary>
public sealed class FakePermissions : Permissions.PermissionsBase
{
    public ConcurrentQueue<Relation> Written { get; } = new();

    public override Task<WriteRelationsResponse> WriteRelations(WriteRelationsRequest request, ServerCallContext context)
    {
        foreach (var relation in request.Relations)
        {
            Written.Enqueue(relation);
        }

        return Task.FromResult(new WriteRelationsResponse { Changed = request.Relations.Count, Revision = 7 });
    }
}
