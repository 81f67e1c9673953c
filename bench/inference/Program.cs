using Mesh.Bench;

return await BenchMain.RunAsync(new InferenceBenchmark(args));
