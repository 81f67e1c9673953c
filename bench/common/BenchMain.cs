namespace Mesh.Bench;

/// <summary>The entry point every benchmark project shares: runs its benchmark and prints figures.</summary>
public static class BenchMain
{
    public static async Task<int> RunAsync(IBenchmark benchmark)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var report = new BenchReport(Console.Out);
        report.Note($"{benchmark.Name}: {benchmark.Description}");
        await benchmark.RunAsync(report, cancel.Token);
        return 0;
    }
}
