namespace Mesh.Security.Authorization;

/// <summary>
/// The rule of an RPC that always acts on the same resource, whatever its request says: for
/// example every analytics read needs <c>analytics:usage#reader</c>.
/// </summary>
public sealed class FixedResourceRule<TRequest>(string method, string resourceType, string resource, string relation) : AccessRule<TRequest>
    where TRequest : class
{
    public override string Method => method;

    public override string ResourceType => resourceType;

    public override string Relation => relation;

    protected override string ResourceOf(TRequest request) => resource;
}
