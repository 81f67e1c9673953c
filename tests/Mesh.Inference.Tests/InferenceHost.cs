using Mesh.Inference.Api;
using Mesh.Inference.V1;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Inference.Tests;

/// <summary>
/// One in-memory inference server (the model loads once) shared by the tests of the
/// <see cref="InferenceHostCollection"/>. Each test works in a tenant of its own, so the usage
/// events it sees are only its own.
/// </summary>
public sealed class InferenceHost : IDisposable
{
    public const string Model = "all-MiniLM-L6-v2";

    public MeshServiceFactory<InferenceService> Factory { get; } = new();

    public V1.Inference.InferenceClient CreateClient() => new(Factory.CreateChannel());

    /// <summary>A tenant no other test uses.</summary>
    public static string NewTenant() => $"t-{Guid.NewGuid():N}";

    public IReadOnlyList<UsageEvent> EventsOf(string tenant) => [.. Factory.Usage.Events.Where(e => e.TenantId == tenant)];

    public static EmbedRequest Request(params string[] inputs) => new() { Model = Model, Inputs = { inputs } };

    public void Dispose() => Factory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class InferenceHostCollection : ICollectionFixture<InferenceHost>
{
    public const string Name = "inference host";
}
