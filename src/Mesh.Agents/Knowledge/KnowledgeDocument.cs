namespace Mesh.Agents.Knowledge;

/// <summary>One passage of a knowledge set.</summary>
public sealed record KnowledgeDocument(string Id, string Title, string Text);

/// <summary>A document with its similarity to a query.</summary>
public sealed record KnowledgeHit(KnowledgeDocument Document, double Score);
