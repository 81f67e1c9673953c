using Mesh.Bench;

IBenchmark[] benchmarks = [new UsageBufferBenchmark()];

var name = args.Length > 0 ? args[0] : "list";
var benchmark = benchmarks.FirstOrDefault(b => b.Name == name);
if (benchmark is null)
{
    if (name != "list")
    {
        Console.Error.WriteLine($"unknown benchmark '{name}'");
    }

    Console.WriteLine("benchmarks (run as bench/run <name>):");
    foreach (var b in benchmarks)
    {
        Console.WriteLine($"  {b.Name,-16} {b.Description}");
    }

    return name == "list" ? 0 : 2;
}

await benchmark.RunAsync(new BenchReport(Console.Out), CancellationToken.None);
return 0;
