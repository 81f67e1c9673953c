using Mesh.Bench;

return await BenchMain.RunAsync(new VrioBenchmark(args));
