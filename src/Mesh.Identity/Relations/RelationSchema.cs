namespace Mesh.Identity.Relations;

/// <summary>
/// The object types, their relations and the subjects each relation accepts. Tools, models
/// and agents have <c>invoker</c>; agents (workflows) also <c>editor</c>, who may publish new
/// versions; analytics has <c>reader</c> and <c>writer</c> (alert rules); tenants have
/// <c>admin</c> and <c>member</c>; groups have <c>member</c>.
/// </summary>
public static class RelationSchema
{
    public const string Tenant = "tenant";
    public const string Admin = "admin";
    public const string Member = "member";

    /// <summary>Priority classes (<c>priority:interactive#user</c>): work in a granted class goes ahead of the subject's tenant's other work.</summary>
    public const string Priority = "priority";

    private static readonly Dictionary<string, string[]> Relations = new(StringComparer.Ordinal)
    {
        [Tenant] = [Admin, Member],
        ["group"] = [Member],
        ["tool"] = ["invoker"],
        ["model"] = ["invoker"],
        ["agent"] = ["invoker", "editor"],
        ["analytics"] = ["reader", "writer"],
        [Priority] = ["user"],
    };

    private static readonly string[] SubjectTypes = ["user", "agent", "service", "group", Tenant];

    /// <summary>Resource types that are open to every tenant member until a relation restricts them.</summary>
    public static bool IsResource(string type) => type is "tool" or "model" or "agent" or "analytics";

    public static IEnumerable<string> Types => Relations.Keys;

    /// <summary>Null when the relation fits the schema, else what is wrong.</summary>
    public static string? Problem(RelationTuple tuple)
    {
        if (!Relations.TryGetValue(tuple.Object.Type, out var relations))
        {
            return $"unknown object type '{tuple.Object.Type}'; known: {string.Join(", ", Relations.Keys)}";
        }

        if (tuple.Object.IsUserset)
        {
            return $"the object '{tuple.Object}' must be type:id, without #relation";
        }

        if (!relations.Contains(tuple.Relation))
        {
            return $"'{tuple.Object.Type}' has no relation '{tuple.Relation}'; it has: {string.Join(", ", relations)}";
        }

        if (!SubjectTypes.Contains(tuple.Subject.Type))
        {
            return $"unknown subject type '{tuple.Subject.Type}'; known: {string.Join(", ", SubjectTypes)}";
        }

        if (tuple.Subject.Type is Tenant or "group" && !tuple.Subject.IsUserset)
        {
            return $"a {tuple.Subject.Type} subject must be a userset such as {tuple.Subject.Type}:{tuple.Subject.Id}#member";
        }

        return null;
    }

    public static string? Problem(string objectType, string relation) =>
        !Relations.TryGetValue(objectType, out var relations) ? $"unknown object type '{objectType}'; known: {string.Join(", ", Relations.Keys)}"
        : relations.Contains(relation) ? null
        : $"'{objectType}' has no relation '{relation}'; it has: {string.Join(", ", relations)}";
}
