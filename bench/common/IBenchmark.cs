namespace Mesh.Bench;

/// <summary>A benchmark: measures, then prints each figure as a <c>name: value</c> line.</summary>
public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    Task RunAsync(BenchReport report, CancellationToken cancellationToken);
}
