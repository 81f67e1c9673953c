using Mesh.Bench;

return await BenchMain.RunAsync(new UsageBenchmark(args));
