using Mesh.Telemetry.Analytics;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Storage.ClickHouse;

if (args is [MigrateCommand.Name, ..])
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshService("telemetry");
builder.AddDefaultPrices();
builder.Services.AddTelemetry(builder.Configuration);

var app = builder.Build();
app.MapMeshService();
app.MapGrpcService<UsageIngestService>();
app.MapGrpcService<AnalyticsService>();
app.MapGrpcService<Mesh.Telemetry.Pricing.PricesService>();
app.MapGrpcService<Mesh.Telemetry.Alerts.AlertsService>();
await app.RunAsync();
return 0;
