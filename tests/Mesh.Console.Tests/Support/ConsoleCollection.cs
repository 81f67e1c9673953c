namespace Mesh.Console.Tests.Support;

/// <summary>The seeded services are started once for every console test class.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleMesh>
{
    public const string Name = "console";
}
