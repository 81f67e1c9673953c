using Mesh.Bench;

return await BenchMain.RunAsync(new AnalyticsBenchmark(args));
