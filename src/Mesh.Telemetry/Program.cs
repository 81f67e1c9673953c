using Mesh.Telemetry.Analytics;
using Mesh.Telemetry.Ingest;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTelemetry(); // before the defaults: usage goes to the local store, not over gRPC
builder.AddMeshService("telemetry");

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<UsageIngestService>();
app.MapGrpcService<AnalyticsService>();
app.Run();
